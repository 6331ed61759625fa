"""Shared fixtures: one copy of the template per test session, the hook modules, and a Jinja
environment configured like copier's, for evaluating copier.yml expressions without a render."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from copier._template import load_template_config
from jinja2 import Environment, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from tools.project import commit_all, project_env, run
from tools.questions import load
from tools.render import TEMPLATE_ROOT, copy_template, default_index_url, render

# xdist's units of work (an xdist group, or one test of none), longest first: `make test` keeps
# this order (--no-loadscope-reorder) and gives the next unit to whichever worker frees up, so no
# long unit starts last while the other worker idles. Minutes from a CI run's --durations.
LONGEST_FIRST = (
    "team",  # 24: make keep and the team's MLflow server, on the default project
    "install",  # 22: the default project's own flows (test_generated_project.py, ...)
    "pytorch",  # 13
    "remotes",  # 11
    "test_update.py::test_an_updated_project_installs_passes_its_checks_and_updates_itself",  # 9
    "test_pythons.py::test_project_installs_and_runs_on_its_python[3.12]",  # 8
    "test_pythons.py::test_project_installs_and_runs_on_its_python[3.13]",  # 8
    "slurm",  # 6
    "update",  # 5
    "container",  # 5
    "hostile_install",  # 5 (test_generated_project.py's module group, and its own)
)


def xdist_unit(item: pytest.Item) -> str:
    """The item's xdist group, named as xdist names it (its groups joined), else its test id."""
    groups = sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group")})
    return "_".join(groups) if groups else item.nodeid.removeprefix("tests/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long units first, in LONGEST_FIRST's order, then the other slow tests, then the rest."""

    def rank(item: pytest.Item) -> tuple[int, int]:
        unit = xdist_unit(item)
        if unit in LONGEST_FIRST:
            return (0, LONGEST_FIRST.index(unit))
        return (1 if item.get_closest_marker("slow") else 2, 0)

    items.sort(key=rank)


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's working tree, copied once (see tools.render.copy_template)."""
    return copy_template(tmp_path_factory.mktemp("template") / "ml-template")


def load_hook(name: str) -> ModuleType:
    """Import hooks/<name>.py unrendered: its functions are plain Python."""
    spec = importlib.util.spec_from_file_location(
        f"hook_{name}", TEMPLATE_ROOT / "hooks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def pre_gen() -> ModuleType:
    return load_hook("pre_gen_project")


@pytest.fixture(scope="session")
def post_gen() -> ModuleType:
    return load_hook("post_gen_project")


@pytest.fixture(scope="session")
def cookiecutter_json() -> dict[str, Any]:
    return json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def copier_yml() -> dict[str, Any]:
    """copier.yml as copier reads it (its `!include` resolved)."""
    return load_template_config(TEMPLATE_ROOT / "copier.yml")


@pytest.fixture(scope="session")
def copier_hidden(copier_yml: dict[str, Any]) -> dict[str, Any]:
    """What copier's validators see beside the answers: the hidden questions that include data
    (`forbidden_names`, `question_rules`)."""
    return {
        name: question["default"]
        for name, question in copier_yml.items()
        if isinstance(question, dict)
        and question.get("when") is False
        and isinstance(question["default"], list)
    }


@pytest.fixture(scope="session")
def copier_env() -> SandboxedEnvironment:
    """Copier's Jinja environment for this template: sandboxed, Ansible filters, strict."""
    return SandboxedEnvironment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@pytest.fixture(scope="session")
def default_answers() -> dict[str, str]:
    """Every answer of the default project: questions.yaml's defaults, each rendered with the
    answers before it (what both engines must answer with --no-input / --defaults)."""
    environment = Environment(undefined=StrictUndefined)
    answers: dict[str, str] = {}
    for question in load().questions:
        answers[question.name] = environment.from_string(question.default).render(answers)
    return answers


# Installed projects: one per test session (per xdist worker), shared by the tests of the
# `install` and `team` xdist groups. A test that changes the project leaves it committed and clean.
@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch HOME: the default DVC remote (~/dvc-storage/...) is created inside it."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="session")
def env(home: Path) -> dict[str, str]:
    return project_env(home=home)


@pytest.fixture(scope="session")
def default_project(
    template: Path, tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]
) -> Path:
    """The default project, installed and committed, as right after `make install`."""
    # Rendered inside another git repository, as `make demo` does: the project gets its own.
    parent = tmp_path_factory.mktemp("default")
    run(["git", "init", "--quiet"], parent, env)
    answers = {"package_index_url": default_index_url()}
    project = render("cookiecutter", template, parent, answers)
    run(["make", "install"], project, env)
    commit_all(project, env, "Start from the ML template")
    return project
