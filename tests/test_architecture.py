"""The shape of the code: data flows one way (no import cycles, counting imports inside
functions too), and the engine takes sympy objects only (it never reads text)."""

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "calcai"
ENGINE = ("differentiation", "multivariable", "series", "powerseries", "optimize", "equations", "integrals",
          "integral_rules", "evaluate", "convexity")


def _modules() -> dict:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, modules: dict) -> set:
    """calcai modules that ``name`` imports anywhere in its source (children → parent package
    imports such as ``from . import solver`` do not count: the package is imported first anyway)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        found |= {c for c in candidates if c in modules and c != name and not name.startswith(c + ".")}
    return found


def _cycles(graph: dict) -> list:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert graph["calcai.commands"] and graph["calcai.differentiation"]      # the walk sees imports
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_engine_never_reads_text():
    """Text is read at the boundary (calcai.api, calcai.inputs, the problem loader), once."""
    reading = re.compile(r"\b(to_expr|parse|parse_equation|sympify)\(|\b(sp|sympy)\.S\(")
    for name in ENGINE:
        path = PACKAGE / f"{name}.py"
        if not path.exists():
            continue
        calls = [line for line in path.read_text(encoding="utf-8").splitlines()
                 if reading.search(line) and not line.lstrip().startswith("#")]
        assert calls == [], (name, calls)
