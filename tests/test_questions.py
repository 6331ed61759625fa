"""cookiecutter.json and copier.yml ask the same questions: names, order, help, defaults."""

from __future__ import annotations

import copy
import json
import re
from types import ModuleType
from typing import Any

import pytest
from cookiecutter.prompt import prompt_for_config
from jinja2.sandbox import SandboxedEnvironment

# The question names are a public contract: users pass them on the command line.
QUESTIONS = [
    "project_name",
    "project_slug",
    "package_name",
    "description",
    "author_name",
    "author_email",
    "python_version",
    "license",
    "dvc_remote_url",
    "ci",
    "experiment_tracker",
    "serving",
    "onnx_export",
    "cluster",
    "package_index_url",
]


SLUGS = [
    ("My ML Project", "my-ml-project"),
    ("  Deep__Learning -- Rocks!  ", "deep-learning-rocks"),
    ("Café Model v2", "caf-model-v2"),
    ("ABC_def ghi", "abc-def-ghi"),
    ("a.b/c\\d", "abcd"),
    ("3D Vision", "3d-vision"),
    ("機械学習", "my-ml-project"),
    ("---", "my-ml-project"),
]


def cookiecutter_answers(cookiecutter_json: dict[str, Any], **given: str) -> dict[str, Any]:
    """What `cookiecutter --no-input` answers, given some answers (cookiecutter's own code)."""
    context = {"cookiecutter": {**copy.deepcopy(cookiecutter_json), **given}}
    answers = prompt_for_config(context, no_input=True)
    return {key: value for key, value in answers.items() if not key.startswith("_")}


def copier_answers(
    copier_yml: dict[str, Any], env: SandboxedEnvironment, **given: str
) -> dict[str, Any]:
    """What `copier copy --defaults` answers: each default rendered with the answers so far."""
    answers: dict[str, Any] = {}
    for name in QUESTIONS:
        default = str(copier_yml[name]["default"])
        answers[name] = given.get(name, env.from_string(default).render(answers))
    return answers


def test_same_questions_in_the_same_order(
    cookiecutter_json: dict[str, Any], copier_yml: dict[str, Any]
) -> None:
    assert [key for key in cookiecutter_json if not key.startswith("_")] == QUESTIONS
    hidden = [key for key in copier_yml if not key.startswith("_") and key not in QUESTIONS]
    assert [key for key in copier_yml if key in QUESTIONS] == QUESTIONS
    assert hidden == ["forbidden_names", "cookiecutter"]
    assert all(copier_yml[key]["when"] is False for key in hidden)


def test_every_question_has_the_same_help_in_both_engines(
    cookiecutter_json: dict[str, Any], copier_yml: dict[str, Any]
) -> None:
    prompts = cookiecutter_json["__prompts__"]
    assert list(prompts) == QUESTIONS
    for name in QUESTIONS:
        assert prompts[name].strip(), name
        assert prompts[name] == copier_yml[name]["help"], name


def test_every_question_has_the_same_default_in_both_engines(
    cookiecutter_json: dict[str, Any], copier_yml: dict[str, Any]
) -> None:
    def normalize(expression: str) -> str:
        return " ".join(expression.replace("cookiecutter.", "").split())

    for name in QUESTIONS:
        assert isinstance(cookiecutter_json[name], str), f"{name}: cookiecutter asks free text"
        assert "default" in copier_yml[name], name
        assert copier_yml[name]["type"] == "str", name
        assert normalize(cookiecutter_json[name]) == normalize(str(copier_yml[name]["default"]))


def test_defaults_render_alike_and_pass_validation(
    cookiecutter_json: dict[str, Any],
    copier_yml: dict[str, Any],
    copier_env: SandboxedEnvironment,
    copier_hidden: dict[str, Any],
    pre_gen: ModuleType,
    default_answers: dict[str, str],
) -> None:
    assert cookiecutter_answers(cookiecutter_json) == default_answers
    assert copier_answers(copier_yml, copier_env) == default_answers
    assert pre_gen.first_problem(default_answers) is None
    for name in QUESTIONS:
        validator = copier_env.from_string(copier_yml[name]["validator"])
        assert validator.render(copier_hidden | default_answers).strip() == "", name


@pytest.mark.parametrize(("name", "slug"), SLUGS)
def test_slug_and_package_are_derived_alike(
    cookiecutter_json: dict[str, Any],
    copier_yml: dict[str, Any],
    copier_env: SandboxedEnvironment,
    name: str,
    slug: str,
) -> None:
    expected = {"project_slug": slug, "package_name": slug.replace("-", "_")}
    for answers in (
        cookiecutter_answers(cookiecutter_json, project_name=name),
        copier_answers(copier_yml, copier_env, project_name=name),
    ):
        assert {key: answers[key] for key in expected} == expected
        assert answers["dvc_remote_url"] == f"~/dvc-storage/{slug}"


def test_choices_agree(
    cookiecutter_json: dict[str, Any],
    copier_yml: dict[str, Any],
    copier_env: SandboxedEnvironment,
    pre_gen: ModuleType,
) -> None:
    assert set(pre_gen.CHOICES) == {name for name in QUESTIONS if "choices" in copier_yml[name]}
    for name, choices in pre_gen.CHOICES.items():
        menu = copier_env.from_string(copier_yml[name]["choices"])
        assert json.loads(menu.render()) == list(choices), name
        # An answer from --data that is not a choice still reaches the validator.
        assert json.loads(menu.render({name: "other"})) == [*choices, "other"], name
        assert cookiecutter_json[name] == copier_yml[name]["default"] == choices[0], name
        for choice in choices:
            assert choice in cookiecutter_json["__prompts__"][name], (name, choice)


def test_hidden_cookiecutter_question_carries_every_answer(
    copier_yml: dict[str, Any],
    copier_env: SandboxedEnvironment,
    default_answers: dict[str, str],
) -> None:
    hidden = copier_yml["cookiecutter"]
    assert hidden["type"] == "json"
    assert hidden["when"] is False
    rendered = copier_env.from_string(hidden["default"]).render(default_answers)
    assert list(json.loads(rendered).items()) == list(default_answers.items())


def test_engine_settings(cookiecutter_json: dict[str, Any], copier_yml: dict[str, Any]) -> None:
    assert cookiecutter_json["_new_lines"] == "\n"
    assert copier_yml["_subdirectory"] == "{% raw %}{{cookiecutter.project_slug}}{% endraw %}"
    assert copier_yml["_templates_suffix"] == ""
    assert copier_yml["_min_copier_version"] == "9.19.1"
    assert copier_yml["_envops"] == {"undefined": "jinja2.StrictUndefined"}
    assert {"__pycache__", "*.py[co]", "~*", ".DS_Store", "__skip__"} <= set(copier_yml["_exclude"])
    # Either would make every `copier copy` and `copier update` require --trust.
    assert not {"_tasks", "_jinja_extensions"} & set(copier_yml)
    # Migrations need --trust only in an update that crosses their version: each has one (an
    # unversioned migration runs on every update) and runs before copier compares the project.
    for migration in copier_yml.get("_migrations", []):
        assert set(migration) == {"version", "when", "command"}, migration
        assert re.fullmatch(r"v\d+\.\d+\.\d+", migration["version"]), migration
        assert migration["when"] == "{{ _stage == 'before' }}", migration
