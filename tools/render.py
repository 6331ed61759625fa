"""Render the template with cookiecutter or copier, the way a user does, and compare the results.

Used by the tests, the demo and the benchmark. Renders go through each engine's command line
(`cookiecutter --no-input ...`, `copier copy --defaults ...`) so they exercise exactly what users
run, hooks and validators included; bulk renders can call the same engine functions in-process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from jinja2 import Environment

Engine = Literal["cookiecutter", "copier"]
ENGINES: tuple[Engine, ...] = ("cookiecutter", "copier")

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
"""The template repository this module belongs to."""

# Not part of the template: version control, environments, caches. Skipped at any depth.
_NEVER_COPIED = frozenset(
    {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".DS_Store"}
)
# Build output of the template repository itself, skipped only at its top level.
_NOT_COPIED_AT_ROOT = frozenset({"build", "dist"})


class RenderError(RuntimeError):
    """An engine exited with an error; `stderr` holds what it printed."""

    def __init__(self, engine: Engine, returncode: int, stderr: str) -> None:
        super().__init__(f"{engine} failed with exit code {returncode}:\n{stderr}")
        self.engine = engine
        self.returncode = returncode
        self.stderr = stderr


def copy_template(dst: Path, source: Path = TEMPLATE_ROOT) -> Path:
    """Copy the template's working tree to `dst` (which must not exist) and return `dst`.

    Rendering a copy, rather than the repository, renders uncommitted changes too (copier would
    render the latest git tag of a repository) and keeps caches and virtualenvs out of the way,
    so every render of the same answers gives the same bytes.
    """
    source = source.resolve()

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in _NEVER_COPIED or n.endswith((".pyc", ".pyo"))}
        if Path(directory).resolve() == source:
            skipped |= _NOT_COPIED_AT_ROOT & set(names)
        return skipped

    shutil.copytree(source, dst, ignore=ignore, symlinks=True)
    return dst


def default_slug(template: Path, answers: Mapping[str, str]) -> str:
    """The project directory name the engines will use for `answers`.

    Evaluates the template's own `project_slug` default, so it cannot drift from the template.
    """
    if "project_slug" in answers:
        return answers["project_slug"]
    questions = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
    context = {key: value for key, value in questions.items() if isinstance(value, str)}
    context.update(answers)
    return Environment().from_string(questions["project_slug"]).render(cookiecutter=context)


def render(
    engine: Engine,
    template: Path,
    output_parent: Path,
    answers: Mapping[str, str],
    *,
    in_process: bool = False,
) -> Path:
    """Render `template` into `output_parent/<project_slug>` with `engine` and return that path.

    Runs the engine's command line non-interactively with `answers` as `key=value` pairs; the
    other questions take their defaults. User configuration (~/.cookiecutterrc, copier's
    settings.yml) is ignored, so that renders depend on the template and answers only.
    Raises `RenderError` with the engine's stderr when it fails.

    `in_process=True` calls the engines' Python functions that their command lines call, in this
    process: about twice as fast, for bulk renders of valid answers. Errors then propagate as the
    engines' own exceptions, and hook output goes to this process's stderr.
    """
    template = template.resolve()
    output_parent = output_parent.resolve()
    project = output_parent / default_slug(template, answers)
    if in_process:
        _render_in_process(engine, template, output_parent, project, answers)
    else:
        _render_cli(engine, template, output_parent, project, answers)
    if not project.is_dir():
        raise RenderError(engine, 0, f"{project} was not created")
    return project


def _render_cli(
    engine: Engine, template: Path, output_parent: Path, project: Path, answers: Mapping[str, str]
) -> None:
    pairs = [f"{key}={value}" for key, value in answers.items()]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="render-") as scratch:
        if engine == "cookiecutter":
            command = [
                *("cookiecutter", "--no-input", "--default-config"),
                *("--output-dir", str(output_parent), str(template), *pairs),
            ]
        else:
            settings = Path(scratch, "copier-settings.yml")
            settings.write_text("{}\n", encoding="utf-8")
            env["COPIER_SETTINGS_PATH"] = str(settings)
            data = [arg for pair in pairs for arg in ("--data", pair)]
            command = [
                *("copier", "copy", "--quiet", "--defaults", *data),
                *(str(template), str(project)),
            ]
        result = subprocess.run(
            [sys.executable, "-m", *command], capture_output=True, text=True, env=env, check=False
        )
    if result.returncode != 0:
        raise RenderError(engine, result.returncode, result.stderr)


def _render_in_process(
    engine: Engine, template: Path, output_parent: Path, project: Path, answers: Mapping[str, str]
) -> None:
    if engine == "cookiecutter":
        from cookiecutter.main import cookiecutter

        cookiecutter(
            str(template),
            no_input=True,
            extra_context=dict(answers),
            output_dir=str(output_parent),
            default_config=True,
        )
    else:
        from copier import Settings, run_copy

        run_copy(
            str(template), project, dict(answers), defaults=True, quiet=True, settings=Settings()
        )


def snapshot(project: Path) -> dict[str, tuple[bytes, bool]]:
    """Every file under `project`: POSIX relative path -> (content, owner-executable bit).

    Two engines produced the same project when their snapshots are equal.
    """
    return {
        path.relative_to(project).as_posix(): (path.read_bytes(), bool(path.stat().st_mode & 0o100))
        for path in sorted(project.rglob("*"))
        if path.is_file()
    }


def default_index_url() -> str:
    """The package index this machine's pip uses, for projects that must install from it.

    Order: ML_TEMPLATE_INDEX_URL, PIP_INDEX_URL, pip's configuration (`global.index-url`, then
    `install.index-url`), then pip's built-in default. No host name is written here.
    """
    for variable in ("ML_TEMPLATE_INDEX_URL", "PIP_INDEX_URL"):
        if value := os.environ.get(variable, "").strip():
            return value
    for key in ("global.index-url", "install.index-url"):
        result = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", key],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0 and result.stdout.strip():
            return result.stdout.strip()
    from pip._internal.models.index import PyPI  # pip's own default, whatever it is

    return str(PyPI.simple_url)
