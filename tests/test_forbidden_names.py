"""hooks/forbidden_names.json, the names a project may not take: known cases, that it is current
(here for what can be derived without installing; in the slow suite against the installed default
project), and that the longest allowed names keep every rendered path within the limits."""

from __future__ import annotations

import itertools
import json
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cookiecutter.environment import StrictEnvironment

from tools import forbidden_names
from tools.render import TEMPLATE_ROOT, render

STALE = "hooks/forbidden_names.json is stale: run `make forbidden-names` and commit the file"
# What a file name may have (bytes), and the longest path inside a project that we allow: it leaves
# a parent folder 60 of the 260 characters of Windows' classic MAX_PATH.
NAME_MAX = 255
LONGEST_PATH = 200


@pytest.fixture(scope="module")
def names() -> dict[str, Any]:
    return json.loads(forbidden_names.NAMES_FILE.read_text(encoding="utf-8"))


def test_both_engines_read_the_one_file(
    names: dict[str, Any], pre_gen: ModuleType, copier_yml: dict[str, Any]
) -> None:
    assert pre_gen.forbidden_names() == names
    hidden = copier_yml["forbidden_names"]
    assert (hidden["type"], hidden["when"], hidden["default"]) == ("json", False, [names])


def test_the_known_cases_are_there(names: dict[str, Any]) -> None:
    modules = names["modules"]
    for module, distribution in [
        ("sklearn", "scikit-learn"),
        ("yaml", "pyyaml"),
        ("hydra", "hydra-core"),
        ("omegaconf", "omegaconf"),
        ("pandas", "pandas"),
        ("numpy", "numpy"),
        ("dvc", "dvc"),
        ("mlflow", "mlflow-skinny"),
        ("onnx", "onnx"),
        ("onnxruntime", "onnxruntime"),
        ("fastapi", "fastapi"),
        ("pytest", "pytest"),
        ("_pytest", "pytest"),
        ("papermill", "papermill"),  # the optional `notebook` group
        ("copier", "copier"),  # the optional `template` group
        ("jinja2", "jinja2"),  # the `report` group
    ]:
        assert distribution in modules.get(module, []), (module, distribution)
    assert {"pandas", "scikit-learn", "pyyaml", "hydra-core", "mlflow-skinny", "dvc"} <= set(
        names["distributions"]
    )
    assert {"json", "sys", "os", "typing", "tomllib", "__future__"} <= set(names["stdlib"])
    assert "my_ml_project" not in modules and "my-ml-project" not in names["distributions"]
    assert names["folders"] == sorted(
        ["configs", "data", "docs", "models", "notebooks", "reports", "src", "tests"]
    )


def test_the_folders_and_standard_library_are_current(names: dict[str, Any]) -> None:
    assert names["folders"] == forbidden_names.project_folders(), STALE
    pythons = {}
    for version in forbidden_names.offered_pythons():
        try:
            pythons[version] = forbidden_names.interpreter(version)
        except SystemExit:
            continue
    assert "3.11" in pythons, "the template's own Python"
    stdlib = forbidden_names.stdlib_modules(list(pythons.values()))
    if len(pythons) == len(forbidden_names.offered_pythons()):
        assert names["stdlib"] == stdlib, STALE
    else:
        assert set(stdlib) <= set(names["stdlib"]), STALE


def _dependencies(pyproject: str) -> set[str]:
    data = tomllib.loads(pyproject)
    groups = data.get("dependency-groups", {}).values()
    return set(data["project"]["dependencies"]) | {item for group in groups for item in group}


def test_all_options_has_every_dependency_of_every_option_set(pre_gen: ModuleType) -> None:
    """The generator locks one project: its dependencies include those of any other answers."""
    source = (TEMPLATE_ROOT / "{{cookiecutter.project_slug}}" / "pyproject.toml").read_text()
    env = StrictEnvironment(keep_trailing_newline=True)
    template = env.from_string(source)
    base = {
        "project_slug": "p",
        "package_name": "p",
        "description": "d",
        "author_name": "a",
        "author_email": "a@example.com",
        "package_index_url": "",
        "torch_index_url": "",
        "dvc_remote_url": "~/dvc-storage/p",
    }

    def dependencies(answers: dict[str, str]) -> set[str]:
        return _dependencies(template.render(cookiecutter=base | answers))

    defaults = {field: choices[0] for field, choices in pre_gen.CHOICES.items()}
    everything = dependencies(defaults | forbidden_names.ALL_OPTIONS)
    fields = list(pre_gen.CHOICES)
    for combination in itertools.product(*pre_gen.CHOICES.values()):
        answers = dict(zip(fields, combination, strict=True))
        assert dependencies(answers) <= everything, answers


@pytest.fixture(scope="module")
def longest_names_project(
    template: Path, tmp_path_factory: pytest.TempPathFactory, pre_gen: ModuleType
) -> Path:
    longest = "a" * pre_gen.MAX_NAME_LENGTH
    answers = {"project_slug": longest, "package_name": longest, **forbidden_names.ALL_OPTIONS}
    parent = tmp_path_factory.mktemp("longest")
    return render("cookiecutter", template, parent, answers, in_process=True)


def test_the_longest_names_keep_paths_within_the_limits(longest_names_project: Path) -> None:
    paths = [
        path.relative_to(longest_names_project.parent) for path in longest_names_project.rglob("*")
    ]
    assert all(len(part.encode()) <= NAME_MAX for path in paths for part in path.parts)
    longest = max(paths, key=lambda path: len(str(path)))
    assert len(str(longest)) <= LONGEST_PATH, longest


# --- Against the real environment ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.xdist_group("install")
def test_the_installed_default_project_has_no_name_that_is_not_forbidden(
    names: dict[str, Any], default_project: Path
) -> None:
    """Its environment lacks the optional groups only: every name in it must be listed."""
    modules, distributions = forbidden_names.installed_modules(default_project)
    assert modules["sklearn"] == ["scikit-learn"], "the environment was read"
    assert default_project.name.replace("-", "_") not in modules
    assert distributions <= {*names["distributions"], "pip"}, STALE
    missing = {
        module: dists
        for module, dists in modules.items()
        if not set(dists) <= set(names["modules"].get(module, []))
    }
    assert missing == {}, STALE
    locked = set(forbidden_names.locked_distributions(default_project))
    own = forbidden_names.normalize(default_project.name)
    assert locked - {own} <= set(names["distributions"]), STALE
