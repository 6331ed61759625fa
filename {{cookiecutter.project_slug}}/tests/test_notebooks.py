"""Notebooks are committed without outputs, and their code still runs against the package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import on_sample

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def cells(notebook: Path) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return content


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_is_committed_without_outputs(notebook: Path) -> None:
    for cell in cells(notebook):
        assert not cell.get("outputs"), "run `nbstripout` (the git hook does it)"
        assert cell.get("execution_count") is None


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs_top_to_bottom(notebook: Path, sample_csv: Path) -> None:
    """Execute every code cell in one namespace, with the bundled data injected after the
    cell tagged `parameters` (as papermill does)."""
    namespace: dict[str, Any] = {}
    for cell in cells(notebook):
        if cell["cell_type"] != "code":
            continue
        exec(compile("".join(cell["source"]), str(notebook), "exec"), namespace)
        if "parameters" in cell["metadata"].get("tags", []):
            namespace["overrides"] = [*namespace["overrides"], *on_sample(sample_csv)]


def test_there_is_an_example_notebook() -> None:
    assert NOTEBOOKS, "notebooks/ should hold at least one example"
