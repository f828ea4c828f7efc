"""Tests for calcai.yamlsafe: safe, position-keeping YAML reading."""

import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from calcai.yamlsafe import (Mark, YamlError, YMap, YScalar, YSeq, load_yaml,
                             load_yaml_file)

REFUSED = [
    # (id, input, exact "line:col: message")
    ("bad-utf8", b"a: 1\nb: caf\xff\n",
     "2:7: invalid UTF-8 byte 0xff; the file must be encoded as UTF-8"),
    ("bad-utf8-after-multibyte", "x: σσ".encode() + b"\xc3(",
     "1:6: invalid UTF-8 byte 0xc3; the file must be encoded as UTF-8"),
    ("utf16-bom", b"\xff\xfea\x00",
     "1:1: invalid UTF-8 byte 0xff; the file must be encoded as UTF-8"),
    ("nul", b"a: 1\nb: x\x00y\n",
     "2:5: control character U+0000 is not allowed; only tab, newline and "
     "carriage return may be used"),
    ("escape-char", "a: \x1b[31m",
     "1:4: control character U+001B is not allowed; only tab, newline and "
     "carriage return may be used"),
    ("nel", "a: 1\x85b: 2",
     "1:5: control character U+0085 is not allowed; only tab, newline and "
     "carriage return may be used"),
    ("control-before-bad-byte", b"a: \x01\xff",
     "1:4: control character U+0001 is not allowed; only tab, newline and "
     "carriage return may be used"),
    ("line-separator", "a: 1\u2028",
     "1:5: line separator U+2028 is not allowed; use a newline"),
    ("inner-bom", "a: x\ufeff",
     "1:5: byte order mark U+FEFF is only allowed at the start of the file"),
    ("noncharacter", "a: \uffff",
     "1:4: character U+FFFF is not allowed in YAML text"),
    ("lone-surrogate", "a: \ud800",
     "1:4: character U+D800 is not allowed in YAML text"),
    ("anchor", "x: &a 1\ny: *a\n",
     "1:4: anchors and aliases are not allowed: &a"),
    ("alias", "x: 1\ny: *a\n",
     "2:4: anchors and aliases are not allowed: *a"),
    ("merge-key", "base: {a: 1}\nderived:\n  <<: {b: 2}\n",
     "3:3: merge keys (<<) are not allowed; write the keys out in full"),
    ("python-tag", "cmd: !!python/object/apply:os.system ['rm -rf /']\n",
     "1:6: tags are not allowed: !!python/object/apply:os.system"),
    ("local-tag", "- !foo x\n", "1:3: tags are not allowed: !foo"),
    ("str-tag", "!!str 012", "1:1: tags are not allowed: !!str"),
    ("non-specific-tag", "a: ! x", "1:4: tags are not allowed: !"),
    ("verbatim-tag", "!<tag:x> y", "1:1: tags are not allowed: !<tag:x>"),
    ("tag-on-mapping", "a: !!map {b: 1}", "1:4: tags are not allowed: !!map"),
    ("duplicate-key", "problems:\n  - id: p1\n    kind: x\n    id: p2\n",
     "4:5: duplicate key 'id' (first at line 2)"),
    ("duplicate-key-quoted", "a: 1\n'a': 2\n",
     "2:1: duplicate key 'a' (first at line 1)"),
    ("sequence-key", "[a, b]: 1\n",
     "1:1: mapping keys must be scalars, not a sequence"),
    ("mapping-key", "? {a: 1}\n: 2\n",
     "1:3: mapping keys must be scalars, not a mapping"),
    ("two-documents", "a: 1\n---\nb: 2\n",
     "2:1: only one YAML document per file; a second document starts here"),
    ("two-documents-dots", "a: 1\n...\n---\nb: 2\n",
     "3:1: only one YAML document per file; a second document starts here"),
    ("document-without-start", "a: 1\n...\nb: 2\n",
     "3:1: invalid YAML: expected '---', but found the start of a mapping"),
    ("empty", "", "1:1: the file is empty"),
    ("empty-bytes", b"", "1:1: the file is empty"),
    ("only-bom", b"\xef\xbb\xbf", "1:1: the file is empty"),
    ("whitespace", " \n\t\n\r\n", "1:1: the file is empty"),
    ("comments", "# nothing\n# here\n",
     "1:1: the file contains no YAML document, only comments or markers"),
    ("bad-indent", "a:\n  - b\n c: d\n",
     "3:2: invalid YAML: expected the end of the indented block, but found "
     "the start of a mapping (while parsing a block mapping at line 1, column 1)"),
    ("unclosed-flow", "a: [1, 2\n",
     "2:1: invalid YAML: expected ',' or ']', but got the end of the file "
     "(while parsing a flow sequence at line 1, column 4)"),
    ("unclosed-quote", "a: 'abc\n",
     "2:1: invalid YAML: found unexpected end of the file "
     "(while scanning a quoted scalar at line 1, column 4)"),
    ("mapping-in-plain", "a: b: c\n",
     "1:5: invalid YAML: mapping values are not allowed here"),
    ("tab-indent", "a:\n\tb: 1\n",
     "2:1: invalid YAML: found character '\\t' that cannot start any token"),
    ("bad-escape", 'a: "\\q"\n',
     "1:6: invalid YAML: found unknown escape character 'q' "
     "(while scanning a double-quoted scalar at line 1, column 4)"),
    ("empty-alias", "a: *\n",
     "1:5: invalid YAML: expected alphabetic or numeric character, but found "
     "'\\n' (while scanning an alias at line 1, column 4)"),
]


@pytest.mark.parametrize("data, expected", [c[1:] for c in REFUSED],
                         ids=[c[0] for c in REFUSED])
def test_refused(data, expected):
    with pytest.raises(YamlError) as info:
        load_yaml(data)
    assert str(info.value) == expected
    line, col, message = expected.split(":", 2)
    assert (info.value.line, info.value.col) == (int(line), int(col))
    assert info.value.message == message.strip()
    assert isinstance(info.value, ValueError)


LIMITS = [
    ("size", b"a: 12345", dict(max_bytes=5),
     "1:1: file is 8 bytes, more than the limit of 5 bytes"),
    ("size-str-utf8", "σσσ", dict(max_bytes=5),
     "1:1: file is 6 bytes, more than the limit of 5 bytes"),
    ("depth", "a: [[[x]]]", dict(max_depth=3),
     "1:6: nesting is deeper than the limit of 3 levels"),
    ("nodes", "[a, b, c]", dict(max_nodes=3),
     "1:8: the document has more than the limit of 3 nodes"),
    ("keys-count-as-nodes", "{a: 1, b: 2}", dict(max_nodes=4),
     "1:11: the document has more than the limit of 4 nodes"),
    ("recursion", "[" * 3000 + "]" * 3000, dict(max_depth=10**6),
     "1:1: the document is nested too deeply to read"),
]


@pytest.mark.parametrize("data, limits, expected", [c[1:] for c in LIMITS],
                         ids=[c[0] for c in LIMITS])
def test_limits(data, limits, expected):
    with pytest.raises(YamlError) as info:
        load_yaml(data, **limits)
    assert str(info.value) == expected


def test_limits_allow_exactly_the_limit():
    assert load_yaml(b"a: 12", max_bytes=5).get("a").text == "12"
    assert load_yaml("a: [[x]]", max_depth=3).get("a").items[0].items[0].text == "x"
    assert len(load_yaml("[a, b, c]", max_nodes=4).items) == 3


def test_default_depth_limit():
    load_yaml("[" * 32 + "]" * 32)
    with pytest.raises(YamlError, match=r"^1:33: nesting is deeper than the "
                       r"limit of 32 levels$"):
        load_yaml("[" * 33 + "]" * 33)


def test_valid_nested_document_with_marks():
    text = (
        "title: Practice\n"            # line 1
        "problems:\n"                  # line 2
        "  - id: gd-1\n"               # line 3
        "    vars: [x, y]\n"           # line 4
        "    start: {x: 4, y: '2'}\n"  # line 5
        "    objective: |\n"           # line 6
        "      x^2 + 4y^2\n"           # line 7
    )
    root = load_yaml(text.encode())
    assert isinstance(root, YMap) and root.mark == Mark(1, 1)
    assert root.keys() == ("title", "problems")
    assert "problems" in root and "nope" not in root
    assert root.get("nope") is None
    assert root.get("title") == YScalar("Practice", False, Mark(1, 8))
    assert root.key_node("problems").mark == Mark(2, 1)

    problems = root.get("problems")
    assert isinstance(problems, YSeq) and problems.mark == Mark(3, 3)
    (p,) = problems.items
    assert isinstance(p, YMap) and p.mark == Mark(3, 5)
    assert p.keys() == ("id", "vars", "start", "objective")
    assert p.get("id") == YScalar("gd-1", False, Mark(3, 9))

    vars_ = p.get("vars")
    assert vars_.mark == Mark(4, 11)
    assert vars_.items == (YScalar("x", False, Mark(4, 12)),
                           YScalar("y", False, Mark(4, 15)))

    start = p.get("start")
    assert start.mark == Mark(5, 12)
    assert start.items == (
        (YScalar("x", False, Mark(5, 13)), YScalar("4", False, Mark(5, 16))),
        (YScalar("y", False, Mark(5, 19)), YScalar("2", True, Mark(5, 22))),
    )
    assert p.get("objective") == YScalar("x^2 + 4y^2\n", True, Mark(6, 16))


def test_bom_is_stripped_and_crlf_counts_lines():
    root = load_yaml(b"\xef\xbb\xbfa: 1\r\nb: 2\r\n")
    assert root.get("a").mark == Mark(1, 4)
    assert root.get("b").mark == Mark(2, 4)
    assert load_yaml("\ufeffa: 1").get("a").text == "1"


@pytest.mark.parametrize("text", [
    "no", "yes", "off", "012", "0o17", "0x1F", "1:20", "2020-01-01", "0.1",
    "1e3", ".inf", "-.nan", "~", "null", "Null", "true", "1_000", "+1",
])
def test_scalars_are_never_coerced(text):
    root = load_yaml(f"v: {text}\nl: [{text}]\n")
    assert root.get("v") == YScalar(text, False, Mark(1, 4))
    assert root.get("l").items[0].text == text


@pytest.mark.parametrize("source, text, quoted", [
    ("plain", "plain", False),
    ("'single'", "single", True),
    ('"double"', "double", True),
    ("'it''s'", "it's", True),
    ('"tab\\there"', "tab\there", True),
    ("''", "", True),
    ("", "", False),                    # empty value
    ("|\n  lit\n", "lit\n", True),
    (">\n  fold\n  ed\n", "fold ed\n", True),
    ("σ(x) · w₁", "σ(x) · w₁", False),
])
def test_quoted_flag_and_text(source, text, quoted):
    node = load_yaml(f"k: {source}").get("k")
    assert (node.text, node.quoted) == (text, quoted)


def test_single_root_kinds():
    assert load_yaml("x") == YScalar("x", False, Mark(1, 1))
    assert load_yaml("---\n- a\n...\n") == YSeq(
        (YScalar("a", False, Mark(2, 3)),), Mark(2, 1))
    assert load_yaml("{}") == YMap((), Mark(1, 1))
    assert load_yaml("'<<': 1").keys() == ("<<",)   # a quoted key is just text


def test_nodes_are_frozen_and_hashable():
    root = load_yaml("a: [1, {b: c}]")
    with pytest.raises(AttributeError):
        root.mark = Mark(9, 9)
    assert hash(root) == hash(load_yaml("a: [1, {b: c}]"))


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_refused_fast():
    start = time.perf_counter()
    with pytest.raises(YamlError) as info:
        load_yaml(BILLION_LAUGHS)
    assert time.perf_counter() - start < 0.5
    assert str(info.value) == "1:4: anchors and aliases are not allowed: &a"


def test_long_names_are_clipped_in_messages():
    with pytest.raises(YamlError) as info:
        load_yaml("k: &" + "a" * 500 + " 1")
    assert str(info.value) == ("1:4: anchors and aliases are not allowed: &"
                               + "a" * 40 + "...")


def test_load_yaml_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(b"id: p1\nexpr: x^2\n")
    assert load_yaml_file(path).get("expr") == YScalar("x^2", False, Mark(2, 7))
    assert load_yaml_file(str(path)).keys() == ("id", "expr")


def test_load_yaml_file_checks_size_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * 100)
    reads = []
    real_open = open

    def spy_open(*args, **kwargs):
        f = real_open(*args, **kwargs)
        real_read = f.read
        f_read = lambda *a: reads.append(a) or real_read(*a)  # noqa: E731
        return _Proxy(f, f_read)

    monkeypatch.setattr("builtins.open", spy_open)
    with pytest.raises(YamlError) as info:
        load_yaml_file(path, max_bytes=50)
    assert str(info.value) == "1:1: file is 103 bytes, more than the limit of 50 bytes"
    assert reads == []


class _Proxy:
    """A file wrapper whose read() is observable."""

    def __init__(self, f, read):
        self._f, self.read = f, read

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


def test_load_yaml_file_errors(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"a: 1\na: 2\n")
    with pytest.raises(YamlError, match=r"^2:1: duplicate key 'a' \(first at line 1\)$"):
        load_yaml_file(path)
    with pytest.raises(OSError):
        load_yaml_file(tmp_path / "missing.yaml")


# Property: whatever comes in, the result is a node or a YamlError.

_YAMLISH = st.lists(st.sampled_from(
    list("-:?[]{},&*!|>'\"%@`#\n \t\r\\ax0.~<σ") +
    ["---", "...", "- ", ": ", "  ", "\n  ", "!!", "&a ", "*a", "<<: ",
     "%TAG ! x\n", "%YAML 1.1\n", '"\\x4', "? ", "\x00", "\ufeff", "\u2028"]),
    max_size=40).map("".join)


def _check_total(data):
    try:
        node = load_yaml(data)
    except YamlError as exc:
        assert exc.line >= 1 and exc.col >= 1 and "\n" not in str(exc)
    else:
        assert isinstance(node, (YScalar, YSeq, YMap))


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200), _YAMLISH,
                 _YAMLISH.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_any_input_gives_node_or_yamlerror(data):
    _check_total(data)


# Large files are read by libyaml where it agrees with the pure-Python reader; everything
# else (and every error) by the pure-Python reader. The two must never be told apart.

from calcai import yamlsafe  # noqa: E402


def _outcome(data, fast: bool, monkeypatch):
    """load_yaml's node or error text, with the libyaml path on for every size or off."""
    monkeypatch.setattr(yamlsafe, "FAST_MIN_CHARS", 0 if fast else 10**12)
    try:
        return load_yaml(data)
    except YamlError as exc:
        return str(exc)


_SAFE_YAML = st.lists(st.sampled_from(
    list("-:[]{},#'\"\\\n \r ax0.~σ") +
    ["---", "...", "- ", ": ", "  ", "\n  ", "\n- ", "a: ", "[", "]", "1", "-0.5", "x y", ", ",
     "  # c\n", "'a''b'", '"\\n"', '"\\x41"', '"\\u00e9"', "\n...\n", "\n---\n", "'a\n\n b'", "x\n  y",
     "{a: b, c: d}", "[a, [b]]", "e+5", "😀"]),
    max_size=40).map("".join)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_SAFE_YAML, _YAMLISH, st.text(max_size=80)))
def test_libyaml_and_pure_python_readers_agree(data):
    import pytest as _pytest

    with _pytest.MonkeyPatch.context() as mp:
        assert _outcome(data, True, mp) == _outcome(data, False, mp)


def _big_numbers_file(extra: str = "") -> str:
    rows = ", ".join("[" + ", ".join(f"{(i * 37 + j * 11) % 200 / 100 - 1:.2f}" for j in range(40)) + "]"
                     for i in range(80))
    return f"problems:\n  - id: big\n    kind: backprop\n    weights: [{rows}]\n{extra}"


def test_large_file_read_by_libyaml_equals_the_pure_reader(monkeypatch):
    text = _big_numbers_file("    title: 'it''s \"fine\"'\n    note: a # comment\n")
    assert len(text) > yamlsafe.FAST_MIN_CHARS
    assert yamlsafe._load_fast(text, 32, 100_000) is not None          # really the libyaml path
    assert _outcome(text, True, monkeypatch) == _outcome(text, False, monkeypatch)
    root = load_yaml(text)
    first = root.get("problems").items[0].get("weights").items[0].items[0]
    assert first == YScalar("-1.00", False, Mark(4, 16))        # "    weights: [[-1.00": column 16


@pytest.mark.parametrize("extra, expected", [
    ("    bad: [1, 2\n", "invalid YAML: expected ',' or ']', but got the end of the file"),
    ("    empty:\n", None),                                   # an empty value: its mark from PyYAML
    ("    tab:\t1\n", "found character '\\t' that cannot start any token"),   # libyaml would accept it
    ("    id: again\n", "duplicate key 'id' (first at line 2)"),
    ("    text: |\n      block\n", None),                     # a block scalar: PyYAML reads it
])
def test_large_files_outside_the_shared_subset_are_read_by_pure_python(extra, expected, monkeypatch):
    text = _big_numbers_file(extra)
    fast, pure = _outcome(text, True, monkeypatch), _outcome(text, False, monkeypatch)
    assert fast == pure
    if expected is not None:
        assert isinstance(fast, str) and expected in fast
    else:
        assert not isinstance(fast, str)
    assert yamlsafe._load_fast(text, 32, 100_000) is None


def test_large_file_limits_are_reported_like_the_pure_reader(monkeypatch):
    text = _big_numbers_file()
    monkeypatch.setattr(yamlsafe, "FAST_MIN_CHARS", 0)
    with pytest.raises(YamlError) as info:
        load_yaml(text, max_nodes=1000)
    # nodes: 10 before the first row (root, problems, the list, the problem, id, big, kind,
    # backprop, weights, the outer list), then 41 per row: node 1001 is the 6th number of row 25
    import re

    numbers = list(re.finditer(r"-?\d\.\d\d", text.splitlines()[3]))
    column = numbers[24 * 40 + 5].start() + 1
    assert str(info.value) == f"4:{column}: the document has more than the limit of 1000 nodes"


@pytest.mark.parametrize("data", [
    "---", "--- ", "{a: }", "{a: }\nb: 1\n", "a:\n", "a:\nb: [1, {c: }]\n",   # empty values: marks differ
    "a\t", "x: 1\t\n", "|#", ">#\n",                                            # libyaml accepts these
    "!x a", "&a [1]", "a: *b",                                                   # refused either way
])
def test_known_libyaml_disagreements_are_left_to_pure_python(data, monkeypatch):
    assert _outcome(data, True, monkeypatch) == _outcome(data, False, monkeypatch)
