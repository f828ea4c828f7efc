"""HTML output: MathML mathematics, rule trees as nested <details>, self-contained pages."""

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import sympy as sp

import calcai
from calcai.functions import sigmoid
from calcai.render.html import expr_mathml, label_mathml, render_html, render_page
from calcai.render.text import walk_steps

ROOT = Path(__file__).resolve().parent.parent
x, y, mu = sp.symbols("x y mu")


class Page(HTMLParser):
    """What a page holds: tag counts, the deepest <details> nesting per rule tree, classes,
    ids, the text of every <math>, and whether every element was closed."""

    VOID = {"meta", "br", "img", "hr", "link", "input", "mspace"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.stack, self.tags, self.classes, self.ids = [], {}, [], []
        self.tree_depths, self.maths, self._math, self.urls = [], [], None, []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.classes.append(attrs.get("class") or "")
        if "id" in attrs:
            self.ids.append(attrs["id"])
        self.urls += [v for v in attrs.values() if v and re.search(r"https?:", v)]
        if tag == "div" and attrs.get("class") == "tree":
            self.tree_depths.append(0)
        if tag == "details":
            depth = sum(1 for t in self.stack if t == "details") + 1
            self.tree_depths[-1] = max(self.tree_depths[-1], depth)
        if tag == "math":
            self._math = []
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()
        if tag == "math":
            self.maths.append("".join(self._math))
            self._math = None

    def handle_data(self, data):
        if self._math is not None:
            self._math.append(data)
        self.urls += re.findall(r"https?://\S+", data)


def test_one_walkthrough_exactly():
    fragment = render_html(calcai.derive("3x^2"))
    d_dx = ('<mfrac><mi mathvariant="normal">d</mi><mrow><mi mathvariant="normal">d</mi><mi>x</mi></mrow>'
            "</mfrac>")
    three_x2 = "<mrow><mn>3</mn><mo>&#x2062;</mo><msup><mi>x</mi><mn>2</mn></msup></mrow>"
    six_x = "<mrow><mn>6</mn><mo>&#x2062;</mo><mi>x</mi></mrow>"
    outer = f"<mrow><mrow>{d_dx}{three_x2}</mrow><mo>=</mo>{six_x}</mrow>"
    inner = (f"<mrow><mrow>{d_dx}<msup><mi>x</mi><mn>2</mn></msup></mrow><mo>=</mo>"
             "<mrow><mn>2</mn><mo>&#x2062;</mo><mi>x</mi></mrow></mrow>")
    assert fragment == (
        '<article class="calcai">\n'
        "<h2>Differentiate 3x² with respect to x</h2>\n"
        "<section>\n"
        "<h3>Rules</h3>\n"
        '<div class="tree"><details open class="step"><summary><span class="rule">constant multiple rule</span>: '
        f"<math>{outer}</math></summary>"
        '<details open class="step leaf"><summary><span class="rule">power rule</span>: '
        f"<math>{inner}</math></summary></details></details></div>\n"
        "</section>\n"
        '<div class="answer"><span class="label">Answer</span>\n'
        f'<math display="block">{outer}</math>\n'
        "</div>\n"
        "</article>\n")


def test_calcai_notation_in_mathml():
    assert expr_mathml(x - mu) == "<mrow><mi>x</mi><mo>−</mo><mi>μ</mi></mrow>"       # reader order, U+2212
    assert expr_mathml(-mu + x) == expr_mathml(x - mu)
    paren = '<mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo>'
    assert expr_mathml(sigmoid(x) * (1 - sigmoid(x))) == (
        f"<mrow><mrow><mi>σ</mi><mrow>{paren}</mrow></mrow><mo>·</mo><mrow><mo stretchy=\"false\">(</mo>"
        f"<mrow><mn>1</mn><mo>−</mo><mrow><mi>σ</mi><mrow>{paren}</mrow></mrow></mrow>"
        '<mo stretchy="false">)</mo></mrow></mrow>')
    assert expr_mathml(sp.log(x)) == f"<mrow><mi>ln</mi><mrow>{paren}</mrow></mrow>"
    assert expr_mathml(sp.Float(0.123456)) == "<mn>0.1235</mn>"
    assert expr_mathml(sp.Float(-1.5e-7)) == ("<mrow><mo>−</mo><mrow><mn>1.5</mn><mo>·</mo>"
                                               "<msup><mn>10</mn><mrow><mo>−</mo><mn>7</mn></mrow></msup></mrow></mrow>")
    assert expr_mathml((x + 1) / (x - 1)) == ("<mfrac><mrow><mi>x</mi><mo>+</mo><mn>1</mn></mrow>"
                                              "<mrow><mi>x</mi><mo>−</mo><mn>1</mn></mrow></mfrac>")
    assert expr_mathml(sp.Symbol("w1")) == "<msub><mi>w</mi><mn>1</mn></msub>"
    assert label_mathml("∂f/∂x") == ("<mfrac><mrow><mi>∂</mi><mi>f</mi></mrow>"
                                     "<mrow><mi>∂</mi><mi>x</mi></mrow></mfrac>")
    assert label_mathml("loss after step 1") == "<mtext>loss after step 1</mtext>"


def test_details_nesting_mirrors_the_rule_tree():
    w = calcai.derive("x·sin(x^2) + e^(3x)")
    tree = w.sections[0].items[0]
    nodes = list(walk_steps(tree))
    page = Page(render_html(w))
    assert page.tags["details"] == len(nodes)
    assert page.tree_depths == [max(depth for depth, _, _ in nodes) + 1]
    assert page.tree_depths[0] >= 3
    assert page.classes.count("step leaf") == sum(1 for _, n, _ in nodes if not n.substeps)
    notes = sum(1 for _, n, _ in nodes if getattr(n, "inner", None) is not None)     # (u = x²)
    assert notes == 2 and page.classes.count("answer") == 1 and page.tags["math"] == len(nodes) + notes + 1


def test_check_results_are_coloured_and_failures_listed():
    good = calcai.solve({"id": "d", "kind": "derivative", "expr": "x^3", "expected": "3x^2"})
    bad = calcai.solve({"id": "d", "kind": "derivative", "expr": "x^3", "expected": "2x^2"})
    assert '<p class="check pass">✓ Check: pass</p>' in render_html(good)
    text = render_html(bad)
    page = Page(text)
    assert "check fail" in page.classes and "check pass" not in page.classes
    assert "<li><code>answer</code>: expected <code>2x^2</code>, computed <math>" in text   # as the author wrote it
    assert page.maths[-1] == "3\u2062x2"


def test_a_page_is_self_contained_with_figures_inline():
    svg = ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/x.dtd">\n'
           '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10">'
           '<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>'
           '<defs><clipPath id="c1"><rect/></clipPath></defs><path clip-path="url(#c1)"/><use xlink:href="#c1"/></svg>')
    items = [calcai.derive("σ(x)"), calcai.taylor("exp(x)", about={"x": 0}, order=2)]
    text = render_page(items, title="Two", figures={1: svg})
    page = Page(text)
    assert text.startswith("<!DOCTYPE html>") and page.stack == []
    assert page.tags.get("script", 0) == 0 and page.urls == [] and "<link" not in text
    assert page.tags["figure"] == 1 and page.tags["svg"] == 1 and page.tags["style"] == 1
    assert 'id="fig2-c1"' in text and 'url(#fig2-c1)' in text and 'href="#fig2-c1"' in text
    assert page.tags["nav"] == 1 and page.tags["article"] == 2
    assert "ddxσ(x)=σ(x)·(1−σ(x))" in page.maths        # the text of the MathML, without spaces


def test_walkthrough_to_html_and_jupyter_bundle():
    w = calcai.derive("σ(x)")
    assert w.to_html().startswith("<!DOCTYPE html>")
    assert w.to_html(standalone=False).startswith('<article class="calcai">')
    bundle = w._repr_mimebundle_()
    assert sorted(bundle) == ["text/html", "text/latex", "text/markdown", "text/plain"]
    assert bundle["text/plain"] == str(w) and bundle["text/latex"] == w.to_latex()
    assert bundle["text/html"].startswith("<style>") and "<math" in bundle["text/html"]
    assert sorted(w._repr_mimebundle_(include={"text/html", "text/plain"}, exclude={"text/plain"})) == ["text/html"]


def test_solving_a_file_gives_a_displayable_list():
    solutions = calcai.solve(ROOT / "problems" / "chain-rule.yaml")
    assert isinstance(solutions, list) and len(solutions) == 6
    assert [s.problem.id for s in solutions][:2] == ["chain-cubic", "chain-cubic-at-2"]
    html = solutions._repr_mimebundle_(include={"text/html"})["text/html"]
    assert html.count('<article class="calcai">') == 6
    page = Page(solutions.to_html(title="Chain rule"))
    assert page.stack == [] and page.tags["article"] == 6


def test_cli_solve_folder_writes_one_page_with_every_problem(tmp_path):
    out = tmp_path / "tutorial.html"
    done = subprocess.run([sys.executable, "-m", "calcai", "solve", "problems/", "--format", "html",
                           "--output", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    page = Page(text)
    files = sorted((ROOT / "problems").rglob("*.yaml"))
    problems = [(f, p) for f in files for p in calcai.load(f)]
    assert len(problems) > 100
    anchors = set(page.ids)
    for f, p in problems:
        name = f.relative_to(ROOT).as_posix()
        assert re.sub(r"[^A-Za-z0-9_-]+", "-", f"{name}-{p.id}") in anchors
        assert f">{p.id}: " in text                           # in the table of contents
    assert page.stack == [] and page.tags.get("script", 0) == 0 and page.urls == []
    assert page.tags["article"] == len(problems) and page.tags["math"] > 5 * len(problems)
    # every problem with an expected answer passes its check; the exercise templates have none
    assert page.classes.count("check pass") == sum(1 for _f, p in problems if p.expected is not None)


def test_cli_one_off_prints_a_page():
    done = subprocess.run([sys.executable, "-m", "calcai", "diff", "σ(x)", "--format", "html"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    page = Page(done.stdout)
    assert done.stdout.startswith("<!DOCTYPE html>") and page.stack == []
    assert page.tags["article"] == 1 and page.tags.get("nav", 0) == 0
    assert page.maths == ["ddxσ(x)=σ(x)·(1−σ(x))"] * 2         # the rule, the answer


def test_figures_come_from_calcai_plot_when_it_can_draw(monkeypatch):
    import types

    drawn = []
    fake = types.ModuleType("calcai.plot")
    fake.available = lambda: True
    fake.svg_for = lambda obj: drawn.append(obj) or '<svg width="4"><circle id="dot" r="1"/></svg>'
    monkeypatch.setitem(sys.modules, "calcai.plot", fake)
    monkeypatch.setattr(calcai, "plot", fake, raising=False)
    w = calcai.taylor("σ(x)", about={"x": 0}, order=3)
    assert '<figure class="plot"><svg width="4"><circle id="fig1-dot" r="1"/></svg></figure>' in w.to_html()
    assert "<figure" in w._repr_mimebundle_()["text/html"] and drawn == [w, w]
    assert "<figure" not in w.to_html(figure=False)
    fake.available = lambda: False                      # matplotlib missing: no figure, no call
    assert "<figure" not in w.to_html() and len(drawn) == 2
