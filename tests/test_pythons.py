"""Every offered Python: `make install` builds the project's environment with the interpreter of
its `python_version`, found on PATH or through pyenv, and says in one line when there is none.

The default project (3.11) is installed by test_generated_project.py. Here a 3.12 and a 3.13
project are installed with this machine's interpreters and run through `make lint test pipeline`,
each with other option values, so that every optional dependency is installed on a newer Python
too. The 3.13 project is installed where PYTHONDONTWRITEBYTECODE is set, as in a container: then
`make install` compiles the environment, which nothing else would (the 3.12 one is not compiled).
Each is an xdist unit of its own, so that the two run side by side.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers import PIPELINE_OUTPUTS, porcelain
from tools.project import commit_all, run
from tools.render import default_index_url, render


@pytest.mark.slow
@pytest.mark.parametrize(
    ("engine", "answers"),
    [
        (
            "copier",
            {
                "python_version": "3.12",
                "license": "Proprietary",
                "ci": "none",
                "experiment_tracker": "mlflow",
                "serving": "none",
                "onnx_export": "yes",
            },
        ),
        (
            "cookiecutter",
            {
                "python_version": "3.13",
                "license": "BSD-3-Clause",
                "ci": "github",
                "experiment_tracker": "none",
                "serving": "fastapi",
                "onnx_export": "yes",
            },
        ),
    ],
    ids=["3.12", "3.13"],
)
def test_project_installs_and_runs_on_its_python(
    template: Path, tmp_path: Path, env: dict[str, str], engine: str, answers: dict[str, str]
) -> None:
    answers = {**answers, "package_index_url": default_index_url()}
    project = render(engine, template, tmp_path, answers)  # type: ignore[arg-type]
    in_container = answers["python_version"] == "3.13"
    if in_container:
        env = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
    run(["make", "install"], project, env)
    venv_python = project / ".venv/bin/python"
    version = run([str(venv_python), "-c", "import sys; print(sys.version)"], project, env).stdout
    assert version.startswith(answers["python_version"] + ".")
    tag = "cpython-" + answers["python_version"].replace(".", "")
    site = project / f".venv/lib/python{answers['python_version']}/site-packages"
    compiled = site / f"matplotlib/__pycache__/__init__.{tag}.pyc"
    assert compiled.is_file() == in_container  # only the report stage imports matplotlib
    commit_all(project, env, "Start from the ML template")
    run(["make", "lint"], project, env)
    run(["make", "test"], project, env)
    run(["make", "pipeline"], project, env)
    assert porcelain(project, env) == PIPELINE_OUTPUTS
    assert (project / "models/model.onnx").is_file()


def test_make_install_names_the_missing_python_in_one_line(
    template: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    """The version comes from requires-python (the project's one source of it); neither PATH,
    with pyenv's shims on it, nor pyenv's folder has it: one line says how to get it, and
    nothing is created."""
    project = render("copier", template, tmp_path, {"python_version": "3.13"}, in_process=True)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert 'requires-python = ">=3.13,<4"' in text
    pyproject.write_text(text.replace('">=3.13,<4"', '">=3.99,<4"'), encoding="utf-8")
    before = sorted(path.name for path in project.iterdir())

    result = run(["make", "install"], project, env, check=False)
    assert result.returncode != 0
    [line] = result.stdout.splitlines()
    assert line.startswith("Python 3.99 (requires-python in pyproject.toml) is not on PATH")
    assert "pyenv install 3.99" in line
    assert "make install PYTHON=/path/to/python3.99" in line
    assert sorted(path.name for path in project.iterdir()) == before  # no .venv, no .git

    # PYTHON=... is given to Poetry instead: here one too old, which Poetry refuses.
    result = run(["make", "install", f"PYTHON={sys.executable}"], project, env, check=False)
    assert result.returncode != 0
    assert "is not supported by the project (>=3.99,<4)" in result.stdout + result.stderr
    assert sorted(path.name for path in project.iterdir()) == before
