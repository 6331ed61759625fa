"""Render the template with both engines and compare.

For every combination of options both engines write the same bytes and executable bits, and the
expected files; no Jinja survives; the Python passes `ruff check` and `ruff format --check` under
the project's own configuration; invalid answers fail alike and leave nothing behind; hostile
free text still gives files that parse. Generated projects are not installed here (mypy runs on
the projects the slow tests install, in their `make lint`).
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from tests.ci_checks import ci_problems
from tools.git import git
from tools.questions import load
from tools.render import (
    ENGINES,
    Engine,
    RenderError,
    copy_template,
    default_index_url,
    render,
    snapshot,
)

INDEX_URLS = ("", "https://packages.example.com/simple")
TORCH_INDEX_URLS = ("", "https://packages.example.com/whl/cpu")
# Every menu question with its choices (questions.yaml), in question order, and the index URLs.
OPTIONS = {
    **load().choices,
    "package_index_url": INDEX_URLS,
    "torch_index_url": TORCH_INDEX_URLS,
}
# The render matrix: every combination of the options that add or remove files (ci, tracker,
# serving, ONNX; framework's files depend on ONNX only, a pair), and every pair of values of any
# two options (a covering array: 24 rows instead of the 4608 of the full product).
# test_the_matrix_covers_every_pair keeps it so. `cluster` adds files too, but none that
# another answer changes: pairs cover it.
_, _MIRROR = INDEX_URLS
_, _TORCH = TORCH_INDEX_URLS
MATRIX = [
    ("3.13", "BSD-3-Clause", "sklearn", "github", "mlflow", "fastapi", "yes", "none", _MIRROR, ""),
    ("3.11", "MIT", "pytorch", "github", "mlflow", "fastapi", "no", "none", _MIRROR, ""),
    ("3.11", "BSD-3-Clause", "pytorch", "github", "mlflow", "none", "yes", "slurm", "", _TORCH),
    ("3.12", "BSD-3-Clause", "pytorch", "github", "mlflow", "none", "no", "none", _MIRROR, _TORCH),
    ("3.12", "MIT", "sklearn", "github", "none", "fastapi", "yes", "slurm", "", ""),
    ("3.12", "Apache-2.0", "pytorch", "github", "none", "fastapi", "no", "slurm", "", ""),
    ("3.12", "Proprietary", "pytorch", "github", "none", "none", "yes", "slurm", "", _TORCH),
    ("3.12", "BSD-3-Clause", "sklearn", "github", "none", "none", "no", "slurm", _MIRROR, _TORCH),
    ("3.12", "Apache-2.0", "pytorch", "none", "mlflow", "fastapi", "yes", "none", _MIRROR, ""),
    ("3.12", "BSD-3-Clause", "sklearn", "none", "mlflow", "fastapi", "no", "none", _MIRROR, _TORCH),
    ("3.13", "MIT", "sklearn", "none", "mlflow", "none", "yes", "slurm", "", ""),
    ("3.11", "Proprietary", "sklearn", "none", "mlflow", "none", "no", "none", _MIRROR, ""),
    ("3.13", "Proprietary", "pytorch", "none", "none", "fastapi", "yes", "slurm", _MIRROR, ""),
    ("3.13", "Apache-2.0", "pytorch", "none", "none", "fastapi", "no", "slurm", _MIRROR, ""),
    ("3.11", "Apache-2.0", "sklearn", "none", "none", "none", "yes", "none", "", _TORCH),
    ("3.12", "Proprietary", "pytorch", "none", "none", "none", "no", "slurm", "", ""),
    ("3.11", "MIT", "pytorch", "gitlab", "mlflow", "fastapi", "yes", "slurm", "", ""),
    ("3.12", "Apache-2.0", "sklearn", "gitlab", "mlflow", "fastapi", "no", "none", _MIRROR, _TORCH),
    ("3.13", "BSD-3-Clause", "pytorch", "gitlab", "mlflow", "none", "yes", "none", "", ""),
    ("3.11", "Proprietary", "pytorch", "gitlab", "mlflow", "none", "no", "slurm", _MIRROR, ""),
    ("3.12", "MIT", "sklearn", "gitlab", "none", "fastapi", "yes", "none", _MIRROR, _TORCH),
    ("3.13", "Apache-2.0", "sklearn", "gitlab", "none", "fastapi", "no", "none", "", _TORCH),
    ("3.11", "BSD-3-Clause", "pytorch", "gitlab", "none", "none", "yes", "none", _MIRROR, ""),
    ("3.12", "Proprietary", "pytorch", "gitlab", "none", "none", "no", "none", "", _TORCH),
]
LICENSE_FIRST_LINES = {
    "MIT": "MIT License",
    "Apache-2.0": "Apache License",
    "BSD-3-Clause": "BSD 3-Clause License",
}


# What serving=fastapi adds to the project.
SERVING_FILES = {
    "Dockerfile",
    ".dockerignore",
    "src/my_ml_project/serving.py",
    "src/my_ml_project/playground.html",
    "tests/test_serving.py",
}

# What experiment_tracker=mlflow adds to the project.
TRACKER_FILES = {"src/my_ml_project/tracking.py", "tests/test_tracking.py"}

# What onnx_export=yes adds to the project.
ONNX_FILES = {
    "src/my_ml_project/export_onnx.py",
    "tests/test_export_onnx.py",
}

# What framework=pytorch adds to the project (and, with onnx_export=yes, PYTORCH_ONNX_FILES).
PYTORCH_FILES = {
    "src/my_ml_project/network.py",
    "tests/test_network.py",
    "configs/model/mlp.yaml",
    "configs/trainer/cpu.yaml",
    "configs/trainer/gpu.yaml",
    "configs/trainer/auto.yaml",
}
PYTORCH_ONNX_FILES = {"tests/test_network_onnx.py"}
# What cluster=slurm adds to the project: the submitit launcher's presets, and its launchers.
CLUSTER_FILES = {
    "configs/hydra/launcher/submitit_local.yaml",
    "configs/hydra/launcher/submitit_slurm.yaml",
    "configs/hydra/launcher/submitit_slurm_gpu.yaml",
    "src/hydra_plugins/my_ml_project.py",
    "tests/test_submitit_launchers.py",
}

# Rendered files whose presence the rest of the template relies on.
MUST_EXIST = ("pyproject.toml", "README.md", ".copier-answers.yml", "src/{package}/__init__.py")

LEFTOVER_JINJA = re.compile(r"\{\{|\}\}|\{%|%\}")
# The generated project's own Jinja templates (the report's *.j2, written with {% raw %}) are
# meant to hold Jinja; a template variable of ours left in one still shows as `cookiecutter`.
PROJECT_JINJA_SUFFIX = ".j2"
# GitHub Actions expressions, legitimate in workflow files (written with {% raw %}).
GITHUB_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")

Snapshot = dict[str, tuple[bytes, bool]]


def differences(first: Snapshot, second: Snapshot) -> list[str]:
    """Paths whose presence, content or executable bit differ, for readable failures."""
    return sorted(
        path for path in first.keys() | second.keys() if first.get(path) != second.get(path)
    )


def directories(project: Path) -> set[str]:
    return {path.relative_to(project).as_posix() for path in project.rglob("*") if path.is_dir()}


def jinja_leftovers(files: Snapshot) -> list[str]:
    """`path:line` of every Jinja delimiter left in a rendered path or text file."""
    found = [path for path in files if LEFTOVER_JINJA.search(path)]
    for path, (content, _) in files.items():
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if path.startswith(".github/"):
                line = GITHUB_EXPRESSION.sub("", line)
            if path.endswith(PROJECT_JINJA_SUFFIX):
                leftover = "cookiecutter" in line
            else:
                leftover = LEFTOVER_JINJA.search(line) is not None
            if leftover:
                found.append(f"{path}:{number}: {line.strip()}")
    return found


def ruff_problems(project: Path) -> list[str]:
    """What `ruff check` and `ruff format --check` report on `project`, run inside it so that
    ruff reads the project's own pyproject.toml (its rules and its Python's target version).

    The ruff is the template's pin (requirements-dev.txt); a test on the installed default
    project keeps it at the minor version the projects lock (ruff's minor releases are the ones
    that change rules and style)."""
    problems = []
    for command in (
        ["check", "--no-cache", "."],
        ["format", "--check", "--diff", "--no-cache", "."],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            problems.append(f"ruff {command[0]}:\n{result.stdout}{result.stderr}")
    return problems


def test_the_lint_check_reads_the_projects_configuration_and_fails(tmp_path: Path) -> None:
    config = '[tool.ruff]\nline-length = 100\n\n[tool.ruff.lint]\nselect = ["F"]\n'
    (tmp_path / "pyproject.toml").write_text(config)
    long_call = f'print("{"x" * 90}")\n'  # 99 characters: formatted for 100, not ruff's 88
    (tmp_path / "clean.py").write_text(long_call)
    assert ruff_problems(tmp_path) == []
    (tmp_path / "unused.py").write_text("import os\n")
    (tmp_path / "unformatted.py").write_text("x=1\n")
    check, format_ = ruff_problems(tmp_path)
    assert "unused.py" in check and "F401" in check
    assert "unformatted.py" in format_ and "clean.py" not in format_


def render_both(
    template: Path, parent: Path, answers: dict[str, str], *, in_process: bool = False
) -> dict[Engine, Path]:
    return {
        engine: render(engine, template, parent / engine, answers, in_process=in_process)
        for engine in ENGINES
    }


def assert_same_project(projects: dict[Engine, Path]) -> Snapshot:
    """Both engines wrote the same files, bytes, executable bits and directories."""
    cookiecutter, copier = (snapshot(projects[engine]) for engine in ENGINES)
    assert differences(cookiecutter, copier) == []
    assert directories(projects["cookiecutter"]) == directories(projects["copier"])
    return cookiecutter


@pytest.fixture(scope="session")
def default_files(template: Path, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The files of the default answers: the base that options add to or take from."""
    parent = tmp_path_factory.mktemp("default")
    files = set(snapshot(render("cookiecutter", template, parent, {}, in_process=True)))
    assert "LICENSE" in files, "the default license is MIT"
    assert ".github/workflows/ci.yml" in files, "the default CI is GitHub Actions"
    assert files >= SERVING_FILES, "the default serving is FastAPI"
    assert files >= TRACKER_FILES, "the default tracker is MLflow"
    assert files >= ONNX_FILES, "the default exports the model to ONNX"
    assert not files & PYTORCH_FILES, "the default framework is scikit-learn"
    assert not files & CLUSTER_FILES, "the default has no cluster"
    return files


def test_leftover_check_spares_the_projects_own_templates_only() -> None:
    files = {
        "src/p/a.py": (b"x = '{{ cookiecutter.x }}'\n", False),
        "src/p/templates/r.html.j2": (b"<p>{{ value }}</p>\n<p>{{ cookiecutter.x }}</p>\n", False),
    }
    assert jinja_leftovers(files) == [
        "src/p/a.py:1: x = '{{ cookiecutter.x }}'",
        "src/p/templates/r.html.j2:2: <p>{{ cookiecutter.x }}</p>",
    ]


def expected_files(default_files: set[str], answers: dict[str, str]) -> set[str]:
    files = set(default_files)
    license, ci, serving = answers["license"], answers["ci"], answers["serving"]
    if license == "Proprietary":
        files.discard("LICENSE")
    if ci != "github":
        files = {path for path in files if not path.startswith(".github/")}
    if ci == "gitlab":
        files.add(".gitlab-ci.yml")
    if serving == "none":
        files -= SERVING_FILES
    if answers["experiment_tracker"] == "none":
        files -= TRACKER_FILES
    if answers["onnx_export"] == "no":
        files -= ONNX_FILES
    if answers["framework"] == "pytorch":
        files |= PYTORCH_FILES
        if answers["onnx_export"] == "yes":
            files |= PYTORCH_ONNX_FILES
    if answers["cluster"] == "slurm":
        files |= CLUSTER_FILES
    return files


def test_the_matrix_covers_every_pair_and_every_file_switch() -> None:
    names = list(OPTIONS)
    for first, second in itertools.combinations(range(len(names)), 2):
        pairs = {(row[first], row[second]) for row in MATRIX}
        wanted = set(itertools.product(OPTIONS[names[first]], OPTIONS[names[second]]))
        assert pairs == wanted, f"{names[first]} x {names[second]}: add rows for {wanted - pairs}"
    switches = [
        names.index(name) for name in ("ci", "experiment_tracker", "serving", "onnx_export")
    ]
    combinations = {tuple(row[index] for index in switches) for row in MATRIX}
    assert combinations == set(itertools.product(*(OPTIONS[names[index]] for index in switches)))


@pytest.mark.parametrize("row", MATRIX, ids="-".join)
def test_every_combination_renders_alike(
    template: Path,
    tmp_path: Path,
    default_files: set[str],
    default_answers: dict[str, str],
    row: tuple[str, ...],
) -> None:
    answers = dict(zip(OPTIONS, row, strict=True))
    projects = render_both(template, tmp_path, answers, in_process=True)
    files = assert_same_project(projects)

    assert set(files) == expected_files(default_files, answers)
    for path in MUST_EXIST:
        assert path.format(package="my_ml_project") in files
    assert jinja_leftovers(files) == []
    recorded = yaml.safe_load(files[".copier-answers.yml"][0])
    assert recorded == {"_src_path": str(template), **default_answers, **answers}
    if answers["license"] in LICENSE_FIRST_LINES:
        text = files["LICENSE"][0].decode("utf-8")
        assert text.lstrip().startswith(LICENSE_FIRST_LINES[answers["license"]])
        assert "Copyright (c) Your Name" in text or "Copyright Your Name" in text
    # The CI configuration passes the checkers of the service that runs it.
    assert ci_problems(projects["copier"]) == []
    # params.yaml, what `dvc repro` reads, is configs/ composed (a second copy one tool needs).
    params = (projects["copier"] / "params.yaml").read_text(encoding="utf-8")
    assert params == composed_params(projects["copier"] / "configs")
    # The Python of every combination is lint clean, as `make lint` in the project wants it.
    assert ruff_problems(projects["copier"]) == []


def composed_params(configs: Path) -> str:
    """``configs`` composed into params.yaml, as the project's `make params` writes it."""
    with initialize_config_dir(config_dir=str(configs), version_base="1.3"):
        raw = compose(config_name="config")
    OmegaConf.resolve(raw)
    return OmegaConf.to_yaml(raw)


def test_the_projects_python_has_no_jinja_control_blocks(template: Path) -> None:
    """Options come in by which files exist and by configs/, so each module reads as Python."""
    project = template / "{{cookiecutter.project_slug}}"
    switched = [
        str(path.relative_to(project))
        for folder in ("src", "tests")
        for path in sorted((project / folder).rglob("*.py"))
        if "{%" in path.read_text(encoding="utf-8")
    ]
    assert switched == []


INVALID = [
    {"project_slug": "My Proj"},
    {"package_name": "class"},
    {"project_name": ""},
    {"author_email": "not-an-email"},
    {"python_version": "3.9"},
    {"license": "GPL"},
    {"ci": "jenkins"},
    {"experiment_tracker": "wandb"},
    {"serving": "flask"},
    {"onnx_export": "true"},
    {"framework": "torch"},
    {"torch_index_url": "file:///opt/wheels"},
    {"cluster": "pbs"},
    {"package_index_url": "ftp://example.com/simple"},
    {"description": "two\nlines"},
]


@pytest.mark.parametrize("answers", INVALID, ids=lambda answers: next(iter(answers)))
@pytest.mark.parametrize("engine", ENGINES)
def test_invalid_answers_fail_alike_and_write_nothing(
    template: Path, tmp_path: Path, pre_gen: ModuleType, engine: Engine, answers: dict[str, str]
) -> None:
    [(field, value)] = answers.items()
    refused_alike(template, tmp_path, pre_gen, engine, answers, field, value)


def refused_alike(
    template: Path,
    tmp_path: Path,
    pre_gen: ModuleType,
    engine: Engine,
    answers: dict[str, str],
    field: str,
    value: str,
) -> str:
    """Render `answers` with `engine`: it must fail with the hook's one line about `field`
    and `value`, and leave nothing on disk. Returns what the engine printed on stderr."""
    output = tmp_path / "output"
    output.mkdir()
    with pytest.raises(RenderError) as failure:
        render(engine, template, output, answers)
    message = pre_gen.problem(field, value)
    assert message is not None
    expected_line = {
        "cookiecutter": message,
        "copier": f"ValueError: Validation error for question '{field}': {message}",
    }[engine]
    assert expected_line in failure.value.stderr.splitlines()
    assert list(output.iterdir()) == []
    return failure.value.stderr


# Names that would break the project, typed or derived (project_slug from project_name,
# package_name from project_slug): (answers, the field reported, its value).
BREAKING_NAMES = [
    ({"project_name": "Pandas"}, "project_slug", "pandas"),
    ({"project_name": "a" * 300}, "project_slug", "a" * 300),
    ({"project_slug": "b" * 300}, "project_slug", "b" * 300),
    ({"project_slug": "sklearn"}, "package_name", "sklearn"),
    ({"package_name": "tests"}, "package_name", "tests"),
]


@pytest.mark.parametrize(
    ("answers", "field", "value"),
    BREAKING_NAMES,
    ids=["Pandas", "300-character-name", "300-character-slug", "sklearn", "tests"],
)
@pytest.mark.parametrize("engine", ENGINES)
def test_names_that_break_a_project_fail_alike_and_write_nothing(
    template: Path,
    tmp_path: Path,
    pre_gen: ModuleType,
    engine: Engine,
    answers: dict[str, str],
    field: str,
    value: str,
) -> None:
    stderr = refused_alike(template, tmp_path, pre_gen, engine, answers, field, value)
    if engine == "cookiecutter":  # copier shows a traceback for every invalid answer
        assert "Traceback" not in stderr


HOSTILE = {
    "project_name": "Ünïcödé \"Quoted\" 'Single' Back\\slash: Colon # Hash - Dash",
    "description": "- leading dash: colon # hash \"double\" 'single' \\ {brace} [list] & <tag> ✓",
    "author_name": 'O\'Brien "Bob" \\ Ünïcödé: #1',
    "author_email": "o'brien+ml@example.com",
    "dvc_remote_url": "~/dvc storage/ü: #x",
    "package_index_url": "https://user:token@packages.example.com/simple?a=1&b=2",
}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def test_hostile_free_text_renders_alike_into_files_that_parse(
    template: Path, tmp_path: Path
) -> None:
    projects = render_both(template, tmp_path, HOSTILE)
    files = assert_same_project(projects)
    assert ci_problems(projects["copier"]) == []
    unparsable = []
    for path, (content, _) in files.items():
        suffix = Path(path).suffix
        try:
            if suffix == ".toml":
                tomllib.loads(content.decode("utf-8"))
            elif suffix in {".yml", ".yaml"}:
                list(yaml.safe_load_all(content))
            elif suffix == ".py":
                ast.parse(content, filename=path)
            elif suffix in {".json", ".ipynb"}:
                json.loads(content)
        except Exception as error:
            unparsable.append(f"{path}: {error}")
    assert unparsable == []
    assert jinja_leftovers(files) == []
    pyproject = tomllib.loads(files["pyproject.toml"][0].decode("utf-8"))
    assert HOSTILE["description"] in _strings(pyproject), "the description survives escaping"
    [report_py] = [path for path in files if re.fullmatch(r"src/\w+/report\.py", path)]
    report = ast.parse(files[report_py][0])
    [name] = [
        node.value.value
        for node in report.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and ast.unparse(node.targets[0]) == "PROJECT_NAME"
    ]
    assert name == HOSTILE["project_name"], "the project name survives escaping"
    [serving_py] = [path for path in files if re.fullmatch(r"src/\w+/serving\.py", path)]
    titles = [
        keyword.value.value
        for node in ast.walk(ast.parse(files[serving_py][0]))
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "title" and isinstance(keyword.value, ast.Constant)
    ]
    assert titles == [HOSTILE["project_name"]], "the API title survives escaping"
    recorded = yaml.safe_load(files[".copier-answers.yml"][0])
    assert {key: recorded[key] for key in HOSTILE} == HOSTILE


def test_hostile_free_text_leaves_the_code_lint_clean(template: Path, tmp_path: Path) -> None:
    """Escaped answers in Python files must be what ruff would write, or `make lint` fails in
    the project."""
    project = render("copier", template, tmp_path, HOSTILE, in_process=True)
    assert ruff_problems(project) == []


def test_cookiecutter_takes_a_relative_template_path(template: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "--default-config"]
    output = tmp_path / "relative"
    relative_output = os.path.relpath(output, template.parent)
    result = subprocess.run(
        [*command, "--output-dir", relative_output, template.name],
        cwd=template.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    project = output / "my-ml-project"
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_bytes())
    assert recorded["_src_path"] == str(template), "copier update needs an absolute path"
    copier = render("copier", template, tmp_path / "copier", {}, in_process=True)
    assert assert_same_project({"cookiecutter": project, "copier": copier})


def test_a_tagged_git_template_renders_alike_and_copier_updates_cleanly(
    template: Path, tmp_path: Path
) -> None:
    repo = copy_template(tmp_path / "repo", source=template)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "template")
    git(repo, "tag", "v0.1.0")
    projects = {engine: render(engine, repo, tmp_path / engine, {}) for engine in ENGINES}
    cookiecutter, copier = (snapshot(projects[engine]) for engine in ENGINES)
    assert differences(cookiecutter, copier) == []
    recorded = yaml.safe_load(cookiecutter[".copier-answers.yml"][0])
    assert (recorded["_commit"], recorded["_src_path"]) == ("v0.1.0", str(repo))

    # The bridge: copier re-renders the recorded version of a cookiecutter-born project and
    # finds nothing to change (any difference would be replayed as a user edit on every update).
    project = projects["cookiecutter"]
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "generated")
    settings = tmp_path / "copier-settings.yml"
    settings.write_text("{}\n")
    update = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "--vcs-ref=:current:"],
        cwd=project,
        env={**os.environ, "COPIER_SETTINGS_PATH": str(settings)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert update.returncode == 0, update.stderr
    assert git(project, "status", "--porcelain") == ""


def test_template_has_no_empty_directories(template: Path) -> None:
    """Git drops empty directories: copier's clone of a git template would lack them."""
    project = template / "{{cookiecutter.project_slug}}"
    empty = [
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_dir() and not any(path.iterdir())
    ]
    assert empty == [], "add a .gitkeep to each"


def test_copy_template_leaves_out_vcs_environments_and_caches(tmp_path: Path) -> None:
    source = tmp_path / "source"
    for path in (".git/HEAD", ".venv/bin/python", "a/__pycache__/m.pyc", "build/x", "a/build/y"):
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text("x")
    copied = copy_template(tmp_path / "copy", source=source)
    assert sorted(snapshot(copied)) == ["a/build/y"]


def test_default_index_url_prefers_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "https://pip.example.com/simple")
    assert default_index_url() == "https://pip.example.com/simple"
    monkeypatch.setenv("ML_TEMPLATE_INDEX_URL", "https://template.example.com/simple")
    assert default_index_url() == "https://template.example.com/simple"
