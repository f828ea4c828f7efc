"""The package list in pyproject.toml covers every subpackage (a non-editable install once
shipped calcai without calcai.solvers and calcai.render)."""

import tomllib
from pathlib import Path

import setuptools

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_packages_every_subpackage():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    found = set(setuptools.find_packages(where=str(ROOT), include=include))
    on_disk = {p.parent.relative_to(ROOT).as_posix().replace("/", ".")
               for p in (ROOT / "calcai").rglob("__init__.py")}
    assert {"calcai", "calcai.solvers", "calcai.render"} <= on_disk
    assert found == on_disk
