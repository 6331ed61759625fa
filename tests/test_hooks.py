"""The cookiecutter hooks on their own: validation rules (applied by the hook and by copier.yml's
validators), the .copier-answers.yml writer, and what cookiecutter's Jinja pass makes of the hook
files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cookiecutter.environment import StrictEnvironment
from jinja2.sandbox import SandboxedEnvironment

from tools.git import git
from tools.questions import load
from tools.render import TEMPLATE_ROOT

ANSWERS_TEMPLATE = (
    TEMPLATE_ROOT
    / "{{cookiecutter.project_slug}}"
    / "{% if _copier_conf is defined %}{{ _copier_conf.answers_file }}{% endif %}"
)

HOSTILE = "He said \"hi\": C:\\path\\ # - x 'q' </script> & é 機械 😀 {one} ${{ x }}"

# (question, answer, valid?)
VALIDATION = [
    ("project_name", "My ML Project", True),
    ("project_name", "Ünïcödé — 機械学習 😀", True),
    ("project_name", 'He said "hi": C:\\path\\ # - x', True),
    ("project_name", "single {braces} and 50%", True),
    ("project_name", "", False),
    ("project_name", "   ", False),
    ("project_name", "two\nlines", False),
    ("project_name", "tab\there", False),
    ("project_name", "line\u2028separator", False),
    ("project_name", "nul\x00", False),
    ("project_name", "del\x7f", False),
    ("project_name", "next line\x85", False),
    ("project_name", "{{ x }}", False),
    ("project_name", "a {% b", False),
    ("project_name", "{# c", False),
    ("project_name", "end }}", False),
    ("project_slug", "my-ml-project", True),
    ("project_slug", "a", True),
    ("project_slug", "a1-b2-c3", True),
    ("project_slug", "My Proj", False),
    ("project_slug", "1abc", False),
    ("project_slug", "-abc", False),
    ("project_slug", "abc-", False),
    ("project_slug", "a--b", False),
    ("project_slug", "a_b", False),
    ("project_slug", "", False),
    ("project_slug", "abc\n", False),
    ("project_slug", "../abc", False),
    # Names that break a project although well-formed: a dependency's distribution name
    # (PEP 503-normalized, as Poetry compares them), or longer than 64 characters.
    ("project_slug", "pandas", False),
    ("project_slug", "numpy", False),
    ("project_slug", "scikit-learn", False),
    ("project_slug", "pyyaml", False),
    ("project_slug", "hydra-core", False),
    ("project_slug", "dvc", False),
    ("project_slug", "mlflow-skinny", False),  # the tracking client (the full mlflow is .venv-ui's)
    ("project_slug", "pandas-churn", True),
    ("project_slug", "json", True),  # the standard library has no distributions
    ("project_slug", "a" * 64, True),
    ("project_slug", "a" * 65, False),
    ("project_slug", "a" * 300, False),
    ("package_name", "my_ml_project", True),
    ("package_name", "_private", True),
    ("package_name", "match", True),
    ("package_name", "class", False),
    ("package_name", "import", False),
    ("package_name", "1abc", False),
    ("package_name", "my-pkg", False),
    ("package_name", "My", False),
    ("package_name", "", False),
    ("package_name", "abc\n", False),
    # Names that shadow what the project imports, or a top-level folder, or are too long.
    ("package_name", "pandas", False),
    ("package_name", "numpy", False),
    ("package_name", "sklearn", False),  # scikit-learn
    ("package_name", "yaml", False),  # PyYAML
    ("package_name", "hydra", False),
    ("package_name", "omegaconf", False),
    ("package_name", "dvc", False),
    ("package_name", "mlflow", False),
    ("package_name", "onnx", False),
    ("package_name", "fastapi", False),
    ("package_name", "pytest", False),
    ("package_name", "_pytest", False),
    ("package_name", "json", False),  # the standard library
    ("package_name", "sys", False),
    ("package_name", "tomllib", False),
    ("package_name", "tests", False),  # top-level folders of the project
    ("package_name", "src", False),
    ("package_name", "data", False),
    ("package_name", "configs", False),
    ("package_name", "pandas_churn", True),
    ("package_name", "sklearn_model", True),
    ("package_name", "a" * 64, True),
    ("package_name", "a" * 65, False),
    ("description", "", True),
    ("description", "A machine learning project.", True),
    ("description", "- x: y # z 'q' \"d\" \\ é ✓", True),
    ("description", "two\nlines", False),
    ("description", "carriage\r", False),
    ("description", "{{ '{{' }}", False),
    ("author_name", 'O\'Brien, "Bob" \\ Jr.', True),
    ("author_name", "", False),
    ("author_name", "a\tb", False),
    ("author_email", "you@example.com", True),
    ("author_email", "o'brien+ml@mail.example.co.uk", True),
    ("author_email", "nope", False),
    ("author_email", "a@b", False),
    ("author_email", "a b@c.d", False),
    ("author_email", "a@b@c.d", False),
    ("author_email", "a@.com", False),
    ("author_email", "a@b.c\n", False),
    ("author_email", 'a"b@example.com', False),
    ("author_email", "a\\b@example.com", False),
    ("author_email", "Bob <bob@example.com>", False),
    ("author_email", "", False),
    ("python_version", "3.11", True),
    ("python_version", "3.12", True),
    ("python_version", "3.13", True),
    ("python_version", "3.9", False),
    ("python_version", "3.10", False),
    ("python_version", "3.11 ", False),
    ("python_version", "", False),
    ("license", "MIT", True),
    ("license", "Apache-2.0", True),
    ("license", "BSD-3-Clause", True),
    ("license", "Proprietary", True),
    ("license", "GPL", False),
    ("license", "mit", False),
    ("dvc_remote_url", "~/dvc-storage/my-ml-project", True),
    ("dvc_remote_url", "s3://bucket/path", True),
    ("dvc_remote_url", "/mnt/shared store", True),
    ("dvc_remote_url", "", False),
    ("dvc_remote_url", " ", False),
    ("dvc_remote_url", "a\nb", False),
    ("dvc_remote_url", "../shared/dvc", True),
    ("dvc_remote_url", "C:\\Users\\me\\dvc", False),  # backslashes break the quoted config value
    ("dvc_remote_url", "D:/dvc-storage", True),  # a Windows drive is not a scheme
    ("dvc_remote_url", "gs://bucket", True),
    ("dvc_remote_url", "azure://container/ml/x", True),
    ("dvc_remote_url", "ssh://user@host.example.com:2222/srv/dvc", True),
    ("dvc_remote_url", "hdfs://namenode/dvc", True),
    ("dvc_remote_url", "webhdfs://namenode:9870/dvc", True),
    ("dvc_remote_url", "https://dvc.example.com/store", True),
    ("dvc_remote_url", "webdavs://files.example.com/dvc", True),
    ("dvc_remote_url", "oss://bucket/dvc", True),
    ("dvc_remote_url", "gdrive://0AIac4JZqHhKmUk9PDA/dvc", True),
    ("dvc_remote_url", "ftp://host/dvc", False),  # not a kind DVC knows
    ("dvc_remote_url", "s4://bucket/x", False),
    ("dvc_remote_url", "S3://bucket/x", False),
    ("dvc_remote_url", "file:///srv/dvc", False),  # a directory is written as a plain path
    ("dvc_remote_url", "remote://other/x", False),  # refers to another remote, none is defined
    ("dvc_remote_url", "s3:/bucket/x", False),
    ("dvc_remote_url", "s3://", False),
    ("dvc_remote_url", "s3:///x", False),
    ("dvc_remote_url", "s3://bucket name/x", False),
    ("dvc_remote_url", 's3://bucket/"x', False),
    ("dvc_remote_url", "s3://bucket/x\n", False),
    ("dvc_remote_url", " /leading/space", False),
    ("dvc_remote_url", '/a"b', False),
    ("ci", "github", True),
    ("ci", "gitlab", True),
    ("ci", "none", True),
    ("ci", "jenkins", False),
    ("ci", "GitLab", False),
    ("ci", "", False),
    ("experiment_tracker", "mlflow", True),
    ("experiment_tracker", "none", True),
    ("experiment_tracker", "wandb", False),
    ("experiment_tracker", "MLflow", False),
    ("experiment_tracker", "", False),
    ("serving", "fastapi", True),
    ("serving", "none", True),
    ("serving", "flask", False),
    ("serving", "FastAPI", False),
    ("serving", "", False),
    ("onnx_export", "yes", True),
    ("onnx_export", "no", True),
    ("onnx_export", "true", False),
    ("onnx_export", "Yes", False),
    ("onnx_export", "", False),
    ("framework", "sklearn", True),
    ("framework", "pytorch", True),
    ("framework", "torch", False),
    ("framework", "PyTorch", False),
    ("framework", "", False),
    ("torch_index_url", "", True),
    ("torch_index_url", "https://example.com/whl/cpu", True),
    ("torch_index_url", "http://127.0.0.1:8080/simple/", True),
    ("torch_index_url", "file:///opt/wheels", False),
    ("torch_index_url", "example.com/whl/cpu", False),
    ("torch_index_url", "https://example.com/a b", False),
    ("torch_index_url", "https://example.com/{{x}}", False),
    ("torch_index_url", 'https://example.com/"x', False),
    ("cluster", "none", True),
    ("cluster", "slurm", True),
    ("cluster", "SLURM", False),
    ("cluster", "pbs", False),
    ("cluster", "", False),
    ("package_index_url", "", True),
    ("package_index_url", "https://example.com/simple", True),
    ("package_index_url", "http://localhost:8080/simple/", True),
    ("package_index_url", "https://user:token@example.com/simple?x=1#y", True),
    ("package_index_url", "ftp://example.com/simple", False),
    ("package_index_url", "example.com/simple", False),
    ("package_index_url", "https://", False),
    ("package_index_url", "https://exa mple.com", False),
    ("package_index_url", "https://example.com/a b", False),
    ("package_index_url", "https://example.com/{{x}}", False),
    ("package_index_url", "https://example.com/\n", False),
    ("package_index_url", 'https://example.com/"x', False),
    ("package_index_url", "https://example.com/a\\b", False),
]

# The first valid answer of each question.
VALID = {field: value for field, value, valid in reversed(VALIDATION) if valid}


def _id(row: tuple[str, str, bool]) -> str:
    field, value, valid = row
    shown = repr(value) if len(value) <= 40 else f"{value[:8]!r}...{len(value)}-chars"
    return f"{field}-{'ok' if valid else 'bad'}-{shown}"


@pytest.mark.parametrize(("field", "value", "valid"), VALIDATION, ids=map(_id, VALIDATION))
def test_validation_is_the_same_in_both_engines(
    pre_gen: ModuleType,
    copier_yml: dict[str, Any],
    copier_env: SandboxedEnvironment,
    copier_hidden: dict[str, Any],
    field: str,
    value: str,
    valid: bool,
) -> None:
    message = pre_gen.problem(field, value)
    validator = copier_env.from_string(copier_yml[field]["validator"])
    copier_message = validator.render(copier_hidden | {field: value})
    if valid:
        assert message is None
    else:
        assert message is not None
        assert message.startswith(f"{field} {json.dumps(value, ensure_ascii=False)} is not valid: ")
        assert "\n" not in message and "\r" not in message
    assert copier_message.strip() == (message or "")


def test_the_table_tries_every_question() -> None:
    """Each question has a valid and an invalid answer above (the rules of a new question are
    only tested once it has rows)."""
    names = load().names
    assert {field for field, _, valid in VALIDATION if valid} == set(names)
    assert {field for field, _, valid in VALIDATION if not valid} == set(names)


def test_the_dvc_remote_kinds_are_one_list(
    pre_gen: ModuleType, default_answers: dict[str, str]
) -> None:
    """pyproject.toml's render restates DVC_REMOTE_EXTRAS (from questions.yaml): each URL
    renders the `dvc` requirement with the plugin's extra."""
    pyproject = (TEMPLATE_ROOT / "{{cookiecutter.project_slug}}" / "pyproject.toml").read_text()
    environment = StrictEnvironment(keep_trailing_newline=True)
    template = environment.from_string(pyproject)
    urls = {"~/dvc-storage/x": "", "/srv/a://b": ""} | {
        f"{scheme}://bucket/x": extra for scheme, extra in pre_gen.DVC_REMOTE_EXTRAS.items()
    }
    for url, extra in urls.items():
        rendered = template.render(cookiecutter=default_answers | {"dvc_remote_url": url})
        requirement = f"dvc[{extra}]>=3.60,<4" if extra else "dvc>=3.60,<4"
        dvc_lines = [line for line in rendered.splitlines() if line.strip().startswith('"dvc')]
        assert len(dvc_lines) == 1 and dvc_lines[0].strip().startswith(f'"{requirement}"'), url


def test_the_first_invalid_answer_in_question_order_is_reported(pre_gen: ModuleType) -> None:
    assert pre_gen.first_problem(VALID) is None
    answers = VALID | {"ci": "jenkins", "license": "GPL"}
    assert pre_gen.first_problem(answers) == pre_gen.problem("license", "GPL")


# --- .copier-answers.yml ------------------------------------------------------------------------


def _cookiecutter_context(**answers: str) -> dict[str, Any]:
    """A cookiecutter context as the hooks receive it: answers plus cookiecutter's own keys."""
    return {
        **answers,
        "_new_lines": "\n",
        "_extensions": [
            "local_extensions.TemplateDirExtension",
            "local_extensions.ProjectDirExtension",
        ],
        "_template": "template",
        "_output_dir": "/somewhere",
        "_repo_dir": "template",
        "_checkout": None,
    }


@pytest.mark.parametrize("commit", [None, "v1.2.3", "v1.2.3-4-gabcdef0"])
def test_answers_file_is_what_copier_writes(
    post_gen: ModuleType, copier_env: SandboxedEnvironment, commit: str | None
) -> None:
    answers = {
        "project_name": HOSTILE,
        "description": "- starts like a list item, and is long enough to be folded by PyYAML " * 2,
        "author_name": "yes",
        "python_version": "3.11",
        "dvc_remote_url": "~/dvc-storage/x",
        "package_index_url": "",
        "license": "null",
    }
    context = _cookiecutter_context(**answers)
    # What copier puts in `_copier_answers` (copier/_main.py, _answers_to_remember).
    remembered = ({"_commit": commit} if commit else {}) | {"_src_path": "/abs/template"} | answers
    copier_text = copier_env.from_string(ANSWERS_TEMPLATE.read_text(encoding="utf-8")).render(
        _copier_answers=remembered
    )
    assert post_gen.answers_file_text(context, "/abs/template", commit) == copier_text


def _repo(path: Path, origin: str | None = None) -> Path:
    path.mkdir(parents=True)
    (path / "cookiecutter.json").write_text("{}\n")
    git(path, "init", "-q")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "init")
    if origin:
        git(path, "remote", "add", "origin", origin)
    return path


def test_source_path_of_a_local_template_is_absolute(post_gen: ModuleType, tmp_path: Path) -> None:
    assert post_gen.source_path(str(tmp_path), str(tmp_path), str(tmp_path)) == str(tmp_path)
    assert post_gen.source_path("../tpl", "../tpl", str(tmp_path)) == str(tmp_path)
    repo = _repo(tmp_path / "repo", origin="https://example.com/org/tpl.git")
    assert post_gen.source_path("repo", "repo", str(repo)) == str(repo)


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("https://example.com/org/tpl.git", "https://example.com/org/tpl.git"),
        ("https://github.com/org/tpl", "https://github.com/org/tpl"),
        ("git@example.com:org/tpl", "git@example.com:org/tpl"),
        ("https://example.com/org/tpl", "git+https://example.com/org/tpl"),
        ("ssh://example.com/org/tpl", "git+ssh://example.com/org/tpl"),
    ],
)
def test_source_path_of_a_remote_template_is_the_clone_origin(
    post_gen: ModuleType, tmp_path: Path, origin: str, expected: str
) -> None:
    clone = _repo(tmp_path / "tpl", origin=origin)
    assert post_gen.source_path("gh:org/tpl", str(clone), str(clone)) == expected


def test_source_path_of_a_remote_template_without_git(post_gen: ModuleType, tmp_path: Path) -> None:
    url = "https://example.com/tpl.zip"
    assert post_gen.source_path(url, str(tmp_path), str(tmp_path)) == url


def test_commit_is_recorded_only_for_a_git_template(
    post_gen: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def warning() -> str:
        """The one line the hook printed since the last call, or ''."""
        err: str = capsys.readouterr().err
        assert err.count("\n") <= 1 and (not err or err.startswith("warning: ")), err
        return err

    plain = tmp_path / "plain"
    plain.mkdir()
    assert post_gen.template_commit(str(plain)) is None
    assert "not a git checkout" in warning()
    repo = _repo(tmp_path / "repo")
    sha = git(repo, "rev-parse", "--short", "HEAD").strip()
    assert post_gen.template_commit(str(repo)) == sha
    assert "not at a release tag" in warning()
    git(repo, "tag", "v1.2.0")
    assert post_gen.template_commit(str(repo)) == "v1.2.0"
    assert warning() == ""
    (repo / "sub").mkdir()
    assert post_gen.template_commit(str(repo / "sub")) is None, "copier needs the repo root"
    assert "not a git checkout" in warning()
    (repo / "cookiecutter.json").write_text('{"x": 1}\n')
    assert post_gen.template_commit(str(repo)) == "v1.2.0"
    assert "uncommitted changes" in warning()
    git(repo, "commit", "-q", "-am", "after the release")
    assert post_gen.template_commit(str(repo)).startswith("v1.2.0-1-g")
    assert "not at a release tag" in warning()


def test_skip_directory_is_removed(post_gen: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "__skip__" / "workflows").mkdir(parents=True)
    (tmp_path / "__skip__" / "workflows" / "ci.yml").write_text("x\n")
    (tmp_path / "configs" / "__skip__").mkdir(parents=True)  # a switched-off config group
    (tmp_path / "configs" / "__skip__" / "cpu.yaml").write_text("x\n")
    (tmp_path / "configs" / "model.yaml").write_text("x\n")
    (tmp_path / "keep.txt").write_text("x\n")
    post_gen.remove_skipped(tmp_path)
    post_gen.remove_skipped(tmp_path)
    remaining = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*"))
    assert remaining == ["configs", "configs/model.yaml", "keep.txt"]


# --- The hooks as cookiecutter runs them ----------------------------------------------------


def _render_hook(name: str, context: dict[str, Any]) -> str:
    """Render hooks/<name>.py as cookiecutter does (cookiecutter/hooks.py)."""
    source = (TEMPLATE_ROOT / "hooks" / f"{name}.py").read_text(encoding="utf-8")
    env = StrictEnvironment(context={"cookiecutter": context}, keep_trailing_newline=True)
    return env.from_string(source).render(cookiecutter=context)


@pytest.mark.parametrize("name", ["pre_gen_project", "post_gen_project"])
def test_rendering_changes_only_the_injected_lines(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = _cookiecutter_context(project_name=HOSTILE, description="\\\"'\u2028")
    # Cookiecutter renders hooks from the template directory, where the hook finds its data.
    shutil.copytree(TEMPLATE_ROOT / "hooks", tmp_path / "hooks")
    monkeypatch.chdir(tmp_path)
    rendered = _render_hook(name, context)
    source = (TEMPLATE_ROOT / "hooks" / f"{name}.py").read_text(encoding="utf-8")
    injected = ("ANSWERS_JSON = ", "TEMPLATE_DIR_JSON = ")
    changed = [
        (before, after)
        for before, after in zip(source.splitlines(), rendered.splitlines(), strict=True)
        if before != after
    ]
    assert changed and all(before.startswith(injected) for before, _ in changed)
    namespace: dict[str, Any] = {"__name__": "rendered_hook"}
    exec(compile(rendered, name, "exec"), namespace)
    assert json.loads(namespace["ANSWERS_JSON"]) == context
    if "TEMPLATE_DIR_JSON" in namespace:
        assert json.loads(namespace["TEMPLATE_DIR_JSON"]) == str(tmp_path)


def _run_hook(name: str, context: dict[str, Any], cwd: Path) -> subprocess.CompletedProcess[str]:
    script = cwd.parent / f"{name}.py"
    script.write_text(_render_hook(name, context), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script)], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_pre_gen_hook_fails_with_one_line(tmp_path: Path, pre_gen: ModuleType) -> None:
    project = tmp_path / "project"
    project.mkdir()
    result = _run_hook(
        "pre_gen_project", _cookiecutter_context(**VALID | {"project_slug": "My Proj"}), project
    )
    assert result.returncode == 1
    assert result.stderr == pre_gen.problem("project_slug", "My Proj") + "\n"


def test_post_gen_hook_writes_answers_and_removes_skip(
    tmp_path: Path, post_gen: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = tmp_path / "template"
    template.mkdir()
    project = tmp_path / "project"
    (project / "__skip__").mkdir(parents=True)
    context = _cookiecutter_context(project_name=HOSTILE)
    monkeypatch.chdir(template)
    result = _run_hook("post_gen_project", context, project)
    assert result.returncode == 0, result.stderr
    assert [path.name for path in project.iterdir()] == [".copier-answers.yml"]
    written = (project / ".copier-answers.yml").read_bytes().decode("utf-8")
    assert written == post_gen.answers_file_text(context, str(template), None)
