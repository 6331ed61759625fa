"""The generated GitHub Actions workflow is valid for GitHub and runs the project's make targets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tools.render import render


def test_generated_workflow_passes_the_github_workflow_schema(
    template: Path, tmp_path: Path
) -> None:
    project = render("copier", template, tmp_path, {"python_version": "3.12"})
    workflow = project / ".github/workflows/ci.yml"
    # check-jsonschema ships SchemaStore's GitHub workflow schema: no network needed.
    result = subprocess.run(
        [
            *(sys.executable, "-m", "check_jsonschema"),
            *("--builtin-schema", "vendor.github-workflows", str(workflow)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    parsed = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    assert parsed["env"]["PYTHON_VERSION"] == "3.12"
    steps = parsed["jobs"]["check"]["steps"]
    commands = [step["run"] for step in steps if "run" in step]
    assert commands[-4:] == ["make install", "make lint", "make test", "make smoke"]
    # After the smoke run, its report and model card are kept as an artifact.
    smoke = next(index for index, step in enumerate(steps) if step.get("run") == "make smoke")
    upload = steps[smoke + 1]
    assert upload["uses"] == "actions/upload-artifact@v4"
    assert upload["with"]["path"].split() == [
        "build/scratch/report.html",
        "build/scratch/model_card.md",
    ]


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    """Guards the test above: the linter really reads the file."""
    broken = tmp_path / "ci.yml"
    broken.write_text("on: push\njobs:\n  check:\n    steps: not-a-list\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(broken),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
