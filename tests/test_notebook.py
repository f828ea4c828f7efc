"""The example notebook runs clean under a real Jupyter kernel and shows typeset walkthroughs."""

from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOK = EXAMPLES / "calculus-for-ai.ipynb"
MIME = ("text/plain", "text/markdown", "text/latex", "text/html")


def _outputs(cell) -> dict:
    """The mime bundle a code cell displayed (its execute_result or display_data)."""
    data = {}
    for out in cell.outputs:
        if out.output_type in ("execute_result", "display_data"):
            data.update(out.data)
    return data


def test_the_example_notebook_runs_and_displays_walkthroughs():
    assert "python3" in KernelSpecManager().find_kernel_specs()      # ipykernel's spec (in the venv)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error" or o.get("name") == "stderr"]
    assert errors == []

    shown = [c for c in code if "calcai." in c.source or c.source.rstrip().endswith("solutions")]
    assert len(shown) == 10
    for cell in shown:
        data = _outputs(cell)
        assert all(m in data for m in MIME), (cell.source, sorted(data))
        assert "<math" in data["text/html"] and '<div class="answer">' in data["text/html"]

    sigma = _outputs(next(c for c in code if c.source == 'calcai.derive("σ(x)")'))
    assert "Answer: d/dx [σ(x)] = σ(x)·(1 − σ(x))" in sigma["text/plain"]
    assert '<span class="rule">sigmoid rule</span>' in sigma["text/html"]
    # σ(x)·(1 − σ(x)) in MathML
    assert ('<mrow><mi>σ</mi><mrow><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo></mrow></mrow>'
            '<mo>·</mo><mrow><mo stretchy="false">(</mo><mrow><mn>1</mn><mo>−</mo><mrow><mi>σ</mi>'
            ) in sigma["text/html"]
    assert r"\sigma\left(x\right)" in sigma["text/latex"] and "**Answer:**" in sigma["text/markdown"]

    statuses = next(c for c in code if c.source.startswith("[s.check.status"))
    assert _outputs(statuses)["text/plain"] == "['pass', 'pass', 'pass', 'pass', 'pass']"
