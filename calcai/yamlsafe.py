"""Safe reading of untrusted YAML into plain, position-carrying nodes.

Contract
--------
``load_yaml(data)`` returns exactly one of :class:`YScalar`, :class:`YSeq` or
:class:`YMap` (the root of the file's single document), or raises
:class:`YamlError`.  No other exception escapes for any input.

* Nothing is ever constructed or type-resolved: every scalar is kept as the
  text YAML gives it (``no``, ``012``, ``1:20``, ``2020-01-01``, ``1e3``, ``~``
  all stay strings).  ``text`` is the scalar's value after YAML's own quoting
  and line folding, i.e. what the author wrote, never converted to a type.
* Every node carries a 1-based :class:`Mark` (line, column; the column counts
  characters, a tab counts as one).
* Refused, each with a position and a one-line message: input over
  ``max_bytes``; bytes that are not UTF-8; control characters other than
  tab, newline and carriage return (and other characters that would make
  line numbers unreliable); anchors and aliases; merge keys; tags; duplicate
  keys; non-scalar keys; nesting deeper than ``max_depth``; more than
  ``max_nodes`` nodes; more than one document; an empty file; any YAML syntax
  error.

Implementation: PyYAML's pure-Python Reader, Scanner and Parser feed a
Composer subclass that builds the frozen nodes below directly, so no resolver
or constructor ever runs.

Large files (a network's weights) are first read with libyaml, PyYAML's C
parser, which is about eight times faster, through the same composer.  The two
parsers disagree on a few corners of YAML (tab characters, block scalar
headers, the position of an empty value, which of two errors is reported
first), so libyaml's result is used only where they agree: a text without any
of the characters tab | > ! & * % ? @ ` (no block scalars, tags, anchors,
aliases, directives or explicit keys), whose document parses without any
error and has no empty plain value.  Anything else, including every error, is
read (again) by the pure-Python parser, so results and messages never depend
on libyaml.  ``tests/test_yamlsafe.py`` compares the two readers.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import yaml
from yaml.composer import Composer
from yaml.events import (AliasEvent, MappingEndEvent, MappingStartEvent,
                         ScalarEvent, SequenceEndEvent, StreamEndEvent)
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

__all__ = ["Mark", "YScalar", "YSeq", "YMap", "YamlError",
           "load_yaml", "load_yaml_file"]


@dataclass(frozen=True)
class Mark:
    """1-based line and column of the start of a node."""
    line: int
    col: int


@dataclass(frozen=True)
class YScalar:
    """A scalar, never coerced.  ``quoted`` is False only for plain (bare)
    scalars; quoted, literal (``|``) and folded (``>``) scalars are True."""
    text: str
    quoted: bool
    mark: Mark


@dataclass(frozen=True)
class YSeq:
    """A sequence; ``items`` is a tuple of nodes."""
    items: tuple
    mark: Mark


@dataclass(frozen=True)
class YMap:
    """A mapping; ``items`` is a tuple of ``(YScalar key, node)`` pairs in
    file order.  Keys are unique by text."""
    items: tuple
    mark: Mark

    def get(self, key: str, default=None):
        """The value node for key text ``key``, or ``default``."""
        for k, v in self.items:
            if k.text == key:
                return v
        return default

    def key_node(self, key: str):
        """The key node (with its mark) for key text ``key``, or None."""
        for k, _ in self.items:
            if k.text == key:
                return k
        return None

    def keys(self) -> tuple:
        """Key texts in file order."""
        return tuple(k.text for k, _ in self.items)

    def __contains__(self, key) -> bool:
        return any(k.text == key for k, _ in self.items)


class YamlError(ValueError):
    """Why a YAML input was refused.  ``str(e)`` is ``"line:col: message"``."""

    def __init__(self, line: int, col: int, message: str, limit: bool = False):
        super().__init__(line, col, message)
        self.line = line
        self.col = col
        self.message = message
        self.limit = limit          # refused for its size (exit code 3), not its content

    def __reduce__(self):
        return (type(self), (self.line, self.col, self.message, self.limit))

    def __str__(self) -> str:
        return f"{self.line}:{self.col}: {self.message}"


# Characters allowed in the text: tab, LF, CR and printable Unicode, but not
# DEL, C0/C1 controls (including NEL), U+2028/U+2029 (YAML 1.1 counts them as
# line breaks, editors do not), a BOM after the start, surrogates, U+FFFE/F.
_BAD_CHAR = re.compile(
    "[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
    "\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n?|\n")
_YAML_TAG_PREFIX = "tag:yaml.org,2002:"


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, col) of ``text[index]``, counting breaks like PyYAML."""
    line, start = 1, 0
    for m in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, m.end()
    return line, index - start + 1


def _check_characters(text: str) -> None:
    m = _BAD_CHAR.search(text)
    if m is None:
        return
    line, col = _position(text, m.start())
    code = ord(m.group())
    if code < 0x20 or 0x7f <= code <= 0x9f:
        what = (f"control character U+{code:04X} is not allowed; only tab, "
                "newline and carriage return may be used")
    elif code in (0x2028, 0x2029):
        what = f"line separator U+{code:04X} is not allowed; use a newline"
    elif code == 0xFEFF:
        what = "byte order mark U+FEFF is only allowed at the start of the file"
    else:
        what = f"character U+{code:04X} is not allowed in YAML text"
    raise YamlError(line, col, what)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[:exc.start].decode("utf-8")
        _check_characters(prefix)          # report the earliest problem
        line, col = _position(prefix, len(prefix))
        raise YamlError(line, col, f"invalid UTF-8 byte 0x{data[exc.start]:02x}; "
                        "the file must be encoded as UTF-8") from None


def _mark(pyyaml_mark) -> Mark:
    return Mark(pyyaml_mark.line + 1, pyyaml_mark.column + 1)


def _fail(pyyaml_mark, message: str, limit: bool = False):
    m = _mark(pyyaml_mark)
    raise YamlError(m.line, m.col, message, limit)


def _show_tag(tag: str) -> str:
    if tag.startswith(_YAML_TAG_PREFIX):
        return "!!" + tag[len(_YAML_TAG_PREFIX):]
    return tag if tag.startswith("!") else f"!<{tag}>"


class _SafeComposer(Composer):
    """Builds YScalar/YSeq/YMap from parser events, refusing what we forbid."""

    _refuse_empty = False                  # the libyaml reader leaves empty values to PyYAML

    def __init__(self, max_depth: int, max_nodes: int):
        Composer.__init__(self)
        self._max_depth, self._max_nodes = max_depth, max_nodes
        self._depth = self._nodes = 0

    def get_single_node(self):
        self.get_event()                   # STREAM-START
        if self.check_event(StreamEndEvent):
            return None
        node = self.compose_document()
        if not self.check_event(StreamEndEvent):
            _fail(self.peek_event().start_mark,
                  "only one YAML document per file; a second document starts here")
        return node

    def compose_document(self):
        self.get_event()                   # DOCUMENT-START
        node = self.compose_node(None, None)
        self.get_event()                   # DOCUMENT-END
        return node

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            _fail(event.start_mark,
                  f"anchors and aliases are not allowed: *{_clip(event.anchor)}")
        if event.tag is not None:
            _fail(event.start_mark,
                  f"tags are not allowed: {_clip(_show_tag(event.tag))}")
        if event.anchor is not None:
            _fail(event.start_mark,
                  f"anchors and aliases are not allowed: &{_clip(event.anchor)}")
        self._nodes += 1
        if self._nodes > self._max_nodes:
            _fail(event.start_mark, limit=True, message="the document has more than the limit "
                  f"of {self._max_nodes} nodes")
        if isinstance(event, ScalarEvent):
            self.get_event()
            quoted = bool(event.style)      # None (pure Python) or '' (libyaml) when plain
            if self._refuse_empty and not quoted and not event.value:
                raise _NotFast()
            return YScalar(event.value, quoted, _mark(event.start_mark))
        self._depth += 1
        if self._depth > self._max_depth:
            _fail(event.start_mark,
                  f"nesting is deeper than the limit of {self._max_depth} levels", limit=True)
        if isinstance(event, MappingStartEvent):
            node = self._compose_map()
        else:
            node = self._compose_seq()
        self._depth -= 1
        return node

    def _compose_seq(self) -> YSeq:
        start = self.get_event()
        items = []
        while not self.check_event(SequenceEndEvent):
            items.append(self.compose_node(None, None))
        self.get_event()
        return YSeq(tuple(items), _mark(start.start_mark))

    def _compose_map(self) -> YMap:
        start = self.get_event()
        items, seen = [], {}
        while not self.check_event(MappingEndEvent):
            key = self.compose_node(None, None)
            if not isinstance(key, YScalar):
                kind = "a sequence" if isinstance(key, YSeq) else "a mapping"
                raise YamlError(key.mark.line, key.mark.col,
                                f"mapping keys must be scalars, not {kind}")
            if key.text == "<<" and not key.quoted:
                raise YamlError(key.mark.line, key.mark.col,
                                "merge keys (<<) are not allowed; "
                                "write the keys out in full")
            if key.text in seen:
                raise YamlError(key.mark.line, key.mark.col,
                                f"duplicate key {_clip(key.text)!r} "
                                f"(first at line {seen[key.text].line})")
            seen[key.text] = key.mark
            items.append((key, self.compose_node(None, None)))
        self.get_event()
        return YMap(tuple(items), _mark(start.start_mark))


class _Loader(Reader, Scanner, Parser, _SafeComposer, BaseResolver):
    def __init__(self, text: str, max_depth: int, max_nodes: int):
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        _SafeComposer.__init__(self, max_depth, max_nodes)
        BaseResolver.__init__(self)


class _NotFast(Exception):
    """The libyaml reader declines: the pure-Python reader decides."""


FAST_MIN_CHARS = 16_384                    # smaller files: the pure-Python reader is quick enough
_FAST_UNSAFE = re.compile(r"[\t|>!&*%?@`]")


def _fast_loader_class():
    """A libyaml-backed loader class with our composer, or None without libyaml."""
    try:
        from yaml._yaml import CParser
    except ImportError:                    # PyYAML built without libyaml
        return None

    class _CLoader(_SafeComposer, CParser):
        _refuse_empty = True

        def __init__(self, text: str, max_depth: int, max_nodes: int):
            CParser.__init__(self, text)
            _SafeComposer.__init__(self, max_depth, max_nodes)

    return _CLoader


def _load_fast(text: str, max_depth: int, max_nodes: int):
    """The document read by libyaml, or None when the pure-Python reader must decide: libyaml
    is missing, the text has a character outside the subset both parsers agree on, or
    reading it raised anything (an error is always reported by the pure-Python reader)."""
    if _FAST_UNSAFE.search(text):
        return None
    cls = _fast_loader_class()
    if cls is None:
        return None
    loader = None
    try:
        loader = cls(text, max_depth, max_nodes)
        return loader.get_single_node()
    except Exception:  # noqa: BLE001 - YAML errors, our refusals, _NotFast, RecursionError
        return None
    finally:
        if loader is not None:
            loader.dispose()


# PyYAML names tokens like '<block end>'; say what they are in words.
_TOKEN_WORDS = {
    "stream start": "the start of the file", "stream end": "the end of the file",
    "document start": "'---'", "document end": "'...'", "directive": "a directive",
    "block end": "the end of the indented block",
    "block mapping start": "the start of a mapping",
    "block sequence start": "the start of a list", "block entry": "a '-' item",
    "flow sequence start": "'['", "flow sequence end": "']'",
    "flow mapping start": "'{'", "flow mapping end": "'}'", "flow entry": "','",
    "key": "a mapping key", "value": "':'", "alias": "an alias", "anchor": "an anchor",
    "tag": "a tag", "scalar": "a value"}
_TOKEN = re.compile(r"'?<([a-z ]+)>'?")


def _one_line(text) -> str:
    """PyYAML's message on one line, with token names and the NUL end marker
    replaced by words."""
    text = " ".join(str(text).split()).replace("'\\x00'", "the end of the file")
    text = text.replace("end of stream", "end of the file")
    return _TOKEN.sub(lambda m: _TOKEN_WORDS.get(m.group(1), m.group(0)), text)


def _syntax_error(exc: yaml.YAMLError) -> YamlError:
    """Turn a PyYAML error into a YamlError at its problem mark."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        message = _one_line(exc.problem or exc.context or "syntax error")
        ctx = exc.context_mark
        if (exc.context and exc.problem and ctx is not None
                and (ctx.line, ctx.column) != (mark.line, mark.column)):
            message += (f" ({_one_line(exc.context)} at line {ctx.line + 1}, "
                        f"column {ctx.column + 1})")
        if mark is not None:
            return YamlError(mark.line + 1, mark.column + 1,
                             f"invalid YAML: {message}")
        return YamlError(1, 1, f"invalid YAML: {message}")
    return YamlError(1, 1, f"invalid YAML: {_one_line(exc)}")


def load_yaml(data: bytes | str, *, max_bytes: int = 1_000_000,
              max_depth: int = 32, max_nodes: int = 100_000):
    """Parse one YAML document from UTF-8 ``bytes`` (or ``str``) into nodes.

    Returns the root YScalar/YSeq/YMap; raises YamlError and nothing else.
    """
    if isinstance(data, str):
        size = len(data.encode("utf-8", "surrogatepass"))
    else:
        size = len(data)
    if size > max_bytes:
        raise YamlError(1, 1, f"file is {size} bytes, more than the limit "
                        f"of {max_bytes} bytes", limit=True)
    text = data if isinstance(data, str) else _decode(bytes(data))
    text = text.removeprefix("\ufeff")
    _check_characters(text)
    if not text.strip():
        raise YamlError(1, 1, "the file is empty")
    if len(text) >= FAST_MIN_CHARS:
        node = _load_fast(text, max_depth, max_nodes)
        if node is not None:
            return node
    loader = _Loader(text, max_depth, max_nodes)
    try:
        node = loader.get_single_node()
    except YamlError:
        raise
    except yaml.YAMLError as exc:
        raise _syntax_error(exc) from None
    except RecursionError:
        raise YamlError(1, 1, "the document is nested too deeply to read", limit=True) from None
    except Exception as exc:  # last resort: PyYAML must never leak anything
        raise YamlError(1, 1, "invalid YAML: the parser failed "
                        f"({type(exc).__name__})") from None
    finally:
        loader.dispose()
    if node is None:
        raise YamlError(1, 1, "the file contains no YAML document, only comments or markers")
    return node


def load_yaml_file(path, *, max_bytes: int = 1_000_000, max_depth: int = 32,
                   max_nodes: int = 100_000):
    """Read ``path`` as bytes and :func:`load_yaml` it.

    The size is checked before the file is read; at most ``max_bytes + 1``
    bytes are ever read.  OSError (missing or unreadable file) propagates.
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > max_bytes:
            raise YamlError(1, 1, f"file is {size} bytes, more than the limit "
                            f"of {max_bytes} bytes", limit=True)
        data = f.read(max_bytes + 1)
    return load_yaml(data, max_bytes=max_bytes, max_depth=max_depth,
                     max_nodes=max_nodes)
