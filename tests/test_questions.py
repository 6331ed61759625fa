"""One source for the questions: questions.yaml, and the files `make generate` writes from it.

The generated files must be current; then both engines, running their own code on them, must
give the same defaults, menus and answers map.
"""

from __future__ import annotations

import copy
import json
import re
from types import ModuleType
from typing import Any

import pytest
import yaml
from cookiecutter.prompt import prompt_for_config
from jinja2.sandbox import SandboxedEnvironment

from tools import questions
from tools.questions import SpecError, load, stale
from tools.render import TEMPLATE_ROOT

# Names users may already pass on the command line: a public contract, never renamed or removed
# (new questions may come between them).
PUBLISHED = [
    "project_name",
    "project_slug",
    "package_name",
    "description",
    "author_name",
    "author_email",
    "python_version",
    "license",
    "framework",
    "dvc_remote_url",
    "ci",
    "experiment_tracker",
    "serving",
    "onnx_export",
    "cluster",
    "package_index_url",
    "torch_index_url",
]
QUESTIONS = load().names


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


def test_generated_files_are_up_to_date() -> None:
    assert stale() == [], (
        "run `make generate` (questions.yaml changed, or a generated file was edited)"
    )


def test_published_names_stay_in_order(
    cookiecutter_json: dict[str, Any], copier_yml: dict[str, Any]
) -> None:
    assert [name for name in QUESTIONS if name in PUBLISHED] == PUBLISHED
    assert [key for key in cookiecutter_json if not key.startswith("_")] == QUESTIONS
    asked = [key for key in copier_yml if not key.startswith("_") and "when" not in copier_yml[key]]
    assert asked == QUESTIONS


def test_every_question_has_a_section_in_the_options_reference() -> None:
    headings = [
        line
        for line in (TEMPLATE_ROOT / "docs" / "options.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    ]
    missing = [name for name in QUESTIONS if not any(f"`{name}`" in line for line in headings)]
    assert missing == [], "write a `## `name`` section in docs/options.md"


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


def test_menus_are_the_choices(
    cookiecutter_json: dict[str, Any],
    copier_yml: dict[str, Any],
    copier_env: SandboxedEnvironment,
    copier_hidden: dict[str, Any],
    pre_gen: ModuleType,
) -> None:
    choices = load().choices
    assert choices == pre_gen.CHOICES
    assert {name for name in QUESTIONS if "choices" in copier_yml[name]} == set(choices)
    for name, valid in choices.items():
        menu = copier_env.from_string(copier_yml[name]["choices"])
        assert json.loads(menu.render(copier_hidden)) == list(valid), name
        # An answer from --data that is not a choice still reaches the validator.
        assert json.loads(menu.render(copier_hidden | {name: "other"})) == [*valid, "other"], name
        assert cookiecutter_json[name] == copier_yml[name]["default"] == valid[0], name


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


# --- The generator on questions the template does not have yet ---------------------------------

EXAMPLE_SPEC = """
patterns:
  not_one_line: '[\\x00-\\x1f]'
  url: 'https?://[^\\s"]+'
dvc_remote_extras: {s3: s3}
max_name_length: 64
cookiecutter_settings: {_new_lines: "\\n"}
questions:
  - name: backend
    choices: [cpu, gpu]
    help: "Backend: cpu or gpu"
    summary: the backend
  - name: gpu_index_url
    default: ""
    help: Index of the GPU wheels
    summary: GPU wheels' index
    only_when: {backend: gpu}
    example: https://example.com/gpu
    advice: leave it empty or use an http(s) URL
    allow_empty: true
    checks:
      - full_match: url
      - no_match: not_one_line
  - name: label
    default: "{{ backend }}-{{ gpu_index_url }}"
    default_shown: from `backend`
    help: A label
    summary: a label
    example: x
    advice: use one line
    checks:
      - no_match: not_one_line
"""


def example_spec(**changes: Any) -> questions.Spec:
    data = yaml.safe_load(EXAMPLE_SPEC)
    for name, change in changes.items():
        [entry] = [entry for entry in data["questions"] if entry["name"] == name]
        entry.update(change)
    return questions.parse(data)


def test_the_spec_takes_menus_rules_and_conditional_help(
    copier_env: SandboxedEnvironment,
) -> None:
    spec = example_spec()
    rules = questions.rules(spec)
    copier = yaml.safe_load(questions.copier_questions(spec).replace("!include ", ""))
    hidden = {"question_rules": [rules]}
    menu = copier_env.from_string(copier["backend"]["choices"]).render(hidden)
    assert json.loads(menu) == ["cpu", "gpu"]
    validate = copier_env.from_string(copier["gpu_index_url"]["validator"])
    assert validate.render(hidden | {"gpu_index_url": ""}).strip() == ""
    assert validate.render(hidden | {"gpu_index_url": "https://x.example/simple"}).strip() == ""
    assert validate.render(hidden | {"gpu_index_url": "ftp://x"}).strip() == (
        'gpu_index_url "ftp://x" is not valid: leave it empty or use an http(s) URL,'
        ' e.g. "https://example.com/gpu"'
    )
    choice = copier_env.from_string(copier["backend"]["validator"])
    assert choice.render(hidden | {"backend": "tpu"}).strip() == (
        'backend "tpu" is not valid: use one of "cpu", "gpu"'
    )
    prompt = "Index of the GPU wheels (used only when backend is gpu)"
    assert copier["gpu_index_url"]["help"] == prompt
    cookiecutter = json.loads(questions.cookiecutter_json(spec))
    assert cookiecutter["__prompts__"]["gpu_index_url"] == prompt
    assert cookiecutter["label"] == "{{ cookiecutter.backend }}-{{ cookiecutter.gpu_index_url }}"
    assert cookiecutter_answers(cookiecutter)["label"] == "cpu-"
    assert "(used only when backend is gpu)" in questions.readme_table(spec)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"backend": {"help": "Backend"}}, "the help must name the choice 'cpu'"),
        ({"backend": {"default": "gpu"}}, "the default of a menu is its first choice"),
        ({"gpu_index_url": {"checks": [{"full_match": "uri"}]}}, "no pattern named 'uri'"),
        ({"gpu_index_url": {"checks": []}}, "give either choices or checks"),
        ({"gpu_index_url": {"only_when": {"backend": "tpu"}}}, "only_when needs an earlier menu"),
        ({"label": {"advice": "use {{ x }}"}}, "without Jinja delimiters"),
        ({"label": {"checks": [{"no_match": "x", "full_match": "url"}]}}, "a check is one of"),
        ({"label": {"hint": "x"}}, "unexpected keyword argument 'hint'"),
    ],
)
def test_the_generator_refuses_a_spec_it_cannot_state(changes: dict[str, Any], error: str) -> None:
    with pytest.raises(SpecError, match=re.escape(error)):
        example_spec(**changes)
