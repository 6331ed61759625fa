"""Template releases reach projects through `copier update`, whichever engine made them.

A throw-away git copy of the template gets three releases, v1.0.0 to v1.2.0, made by the test
itself. Projects rendered at v1.0.0 by each engine take the same user edits and then both
updates. The edit and rename cases, and what each gives:

- a config value, a new module and its test, a new README section: kept, no conflict;
- a README line and a config line that the template also edits elsewhere in the file: merged;
- a Makefile target appended where the template appends one too: a conflict (inline markers,
  or `Makefile.rej` with `--conflict rej`), resolved by the user before the next update;
- a file the template renames (docs/design.md -> docs/project-design.md, with a `before`
  migration that `git mv`s it): the user's copy moves to the new name; where it differs from
  the template's, it shows as a conflict (copier compares a file new to both sides against an
  empty base); an unedited renamed file moves without a conflict. The next release's change to
  the renamed file merges cleanly;
- a changed default: the project keeps its recorded answer.

A project of the template's previous version (a commit of its own history, before issue 10
reorganised the project) takes today's template: conflicts only in the files its owner edited,
every owner's edit kept (merged, or between conflict markers for a human), and every other file
as a new project of today's template has it.

The slow test installs the final project once and runs its own lint and tests, and
`make update-template` through Poetry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tools.git import GitFailed, git
from tools.project import commit_all, project_env, run
from tools.questions import write as generate
from tools.render import (
    ENGINES,
    TEMPLATE_ROOT,
    Engine,
    copy_template,
    default_index_url,
    render,
    snapshot,
)

# Minutes of real git and copier work (a CPU-minute for the walk alone): `make test`, not test-fast.
pytestmark = pytest.mark.slow

PROJECT_DIR = "{{cookiecutter.project_slug}}"
MARKERS = ("<<<<<<< before updating", "=======", ">>>>>>> after updating")
ANSWERS = {"package_index_url": "https://packages.example.com/simple"}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


def release(repo: Path, tag: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"Release {tag}")
    git(repo, "tag", tag)


def rename_migration(version: str, old: str, new: str) -> str:
    """An entry for the `_migrations` list of copier.yml, which comes just before the hidden
    question `forbidden_names`."""
    return (
        f"  - version: {version}\n"
        "    when: \"{{ _stage == 'before' }}\"\n"
        f"    command: test ! -f {old} || test -e {new} || git mv {old} {new}\n"
    )


def release_1_1(repo: Path) -> None:
    """Edit two files, add one, rename one (with its migration), change a default answer."""
    project = repo / PROJECT_DIR
    edit(
        project / "README.md", "The git hooks run on every commit.", "The git hooks run on commit."
    )
    append(project / "Makefile", "\nlock: ## Refresh poetry.lock\n\t$(POETRY) lock\n")
    (project / ".editorconfig").write_text("root = true\n\n[*]\nend_of_line = lf\n")
    (project / "docs/design.md").rename(project / "docs/project-design.md")
    migration = rename_migration("v1.1.0", "docs/design.md", "docs/project-design.md")
    questions = "\n\n# Not a question: the names a project may not take"
    edit(repo / "copier.yml", questions, f"\n{migration}{questions}")
    # A new default, as maintainers change one: in questions.yaml, then `make generate`.
    edit(
        repo / "questions.yaml",
        "default: A machine learning project.\n",
        "default: A machine learning project, templated.\n",
    )
    assert generate(repo) != []
    release(repo, "v1.1.0")


def release_1_2(repo: Path) -> None:
    """Change the renamed file, and a config file the user changed elsewhere."""
    project = repo / PROJECT_DIR
    append(project / "docs/project-design.md", "\n## Review\n\nWho signs off a model.\n")
    edit(
        project / "configs/config.yaml",
        "# The one source of parameters.",
        "# The one source of parameters (README.md).",
    )
    release(repo, "v1.2.0")


def build_releases(template: Path, parent: Path) -> Path:
    """The template as a git repository with releases v1.0.0, v1.1.0 and v1.2.0."""
    repo = copy_template(parent / "ml-template", source=template)
    git(repo, "init", "-q", "--initial-branch=main")
    release(repo, "v1.0.0")
    release_1_1(repo)
    release_1_2(repo)
    return repo


@pytest.fixture(scope="module")
def repo(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_releases(template, tmp_path_factory.mktemp("releases"))


def render_release(
    engine: Engine, repo: Path, tag: str, parent: Path, answers: dict[str, str] = ANSWERS
) -> Path:
    """Render release `tag` with `engine`, `git init` the project and commit it."""
    if engine == "cookiecutter":  # renders the working tree: check the release out
        git(repo, "checkout", "-q", tag)
        try:
            project = render(engine, repo, parent, answers)
        finally:
            git(repo, "checkout", "-q", "main")
    else:
        project = parent / "my-ml-project"
        data = [arg for key, value in answers.items() for arg in ("-d", f"{key}={value}")]
        copier("copy", "--quiet", "--defaults", f"--vcs-ref={tag}", *data, str(repo), str(project))
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Start from the ML template")
    return project


def copier(
    *args: str, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run copier's command line with no user settings."""
    settings = Path(os.environ.get("TMPDIR", "/tmp"), "copier-empty-settings.yml")
    settings.write_text("{}\n")
    result = subprocess.run(
        [sys.executable, "-m", "copier", *args],
        cwd=cwd,
        env={**os.environ, "COPIER_SETTINGS_PATH": str(settings)},
        capture_output=True,
        text=True,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def update(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return copier("update", "--defaults", *args, cwd=project, check=check)


def user_edits(project: Path) -> None:
    """What a team does in its first weeks; identical in every project of this module."""
    for name in ("configs/config.yaml", "params.yaml"):
        edit(project / name, "n_errors: 20", "n_errors: 10")
    (project / "src/my_ml_project/ranking.py").write_text(
        '"""Order classes by score."""\n\n\n'
        "def top_classes(scores: dict[str, float], k: int = 1) -> list[str]:\n"
        '    """The `k` classes with the highest scores, best first."""\n'
        "    return sorted(scores, key=lambda label: scores[label], reverse=True)[:k]\n"
    )
    (project / "tests/test_ranking.py").write_text(
        "from my_ml_project.ranking import top_classes\n\n\n"
        "def test_top_classes() -> None:\n"
        '    assert top_classes({"a": 0.2, "b": 0.8}) == ["b"]\n'
    )
    append(project / "README.md", "\n## Team notes\n\nAsk the data owners before retraining.\n")
    edit(
        project / "docs/design.md",
        "What decision or process does the model improve?",
        "Flag risky loans before approval.",
    )
    append(project / "Makefile", "\nmetrics: ## Show the metrics\n\t$(RUN) dvc metrics show\n")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Our changes")


def files_with_markers(project: Path) -> set[str]:
    return {
        path
        for path, (content, _) in snapshot(project).items()
        if not path.startswith(".git/") and b"\n<<<<<<< before updating\n" in b"\n" + content
    }


def unmerged(project: Path) -> set[str]:
    return set(git(project, "diff", "--name-only", "--diff-filter=U").split())


def keep_both_sides(path: Path) -> None:
    """Resolve a conflict the simplest way: keep the user's lines and the template's."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if line.rstrip("\n") not in MARKERS))


def recorded(project: Path) -> dict[str, str]:
    answers: dict[str, str] = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return answers


def without_git(project: Path) -> dict[str, tuple[bytes, bool]]:
    return {k: v for k, v in snapshot(project).items() if not k.startswith(".git/")}


def walk(engine: Engine, repo: Path, parent: Path, answers: dict[str, str] = ANSWERS) -> Path:
    """Render v1.0.0 with `engine`, edit, update to v1.1.0, resolve, update to v1.2.0.

    Asserts what each step must give; returns the project at v1.2.0, committed.
    """
    project = render_release(engine, repo, "v1.0.0", parent, answers)
    assert recorded(project)["_commit"] == "v1.0.0"
    assert recorded(project)["_src_path"] == str(repo)
    user_edits(project)
    before = git(project, "rev-parse", "HEAD").strip()

    # v1.1.0 has a migration: copier asks for --trust (exit code 4) and changes nothing.
    refused = update(project, check=False)
    assert refused.returncode == 4, refused.stderr
    assert "migrations" in refused.stderr
    assert git(project, "status", "--porcelain") == ""

    update(project, "--trust", "--vcs-ref=v1.1.0")
    assert recorded(project)["_commit"] == "v1.1.0"
    # The user's edits.
    assert "n_errors: 10" in (project / "configs/config.yaml").read_text()
    assert (project / "src/my_ml_project/ranking.py").is_file()
    assert (project / "tests/test_ranking.py").is_file()
    readme = (project / "README.md").read_text()
    assert "## Team notes" in readme
    # The template's changes.
    assert "The git hooks run on commit." in readme
    assert (project / ".editorconfig").is_file()
    assert not (project / "docs/design.md").exists()
    design = (project / "docs/project-design.md").read_text()
    assert "Flag risky loans before approval." in design, "the edit followed the rename"
    assert recorded(project)["description"] == "A machine learning project.", "answer kept"
    # The clashes: both appended to the Makefile; the renamed file differs from the template's.
    assert files_with_markers(project) == {"Makefile", "docs/project-design.md"}
    assert unmerged(project) == {"Makefile", "docs/project-design.md"}
    makefile = (project / "Makefile").read_text()
    assert "metrics: ## Show the metrics" in makefile and "lock: ## Refresh" in makefile

    # The same update with --conflict rej, in a clone of the project before it.
    clone = parent / "rej"
    git(parent, "clone", "-q", str(project), str(clone))
    git(clone, "checkout", "-q", before)
    update(clone, "--trust", "--vcs-ref=v1.1.0", "--conflict", "rej")
    rejected = {path for path in snapshot(clone) if path.endswith(".rej")}
    assert "Makefile.rej" in rejected
    assert files_with_markers(clone) == set()
    shutil.rmtree(clone)

    for path in files_with_markers(project):
        keep_both_sides(project / path)
    commit_all(project, project_env(), "Update from the template to v1.1.0")

    # v1.2.0 has no migration of its own: no --trust; it lands without a conflict.
    update(project)
    assert recorded(project)["_commit"] == "v1.2.0"
    design = (project / "docs/project-design.md").read_text()
    assert "Flag risky loans before approval." in design and "## Review" in design
    config = (project / "configs/config.yaml").read_text()
    assert "n_errors: 10" in config and "parameters (README.md)." in config
    assert files_with_markers(project) == set() and unmerged(project) == set()
    commit_all(project, project_env(), "Update from the template to v1.2.0")
    return project


@pytest.fixture(scope="module")
def walked(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[Engine, Path]:
    """A project per engine, rendered at v1.0.0, edited, and updated to v1.2.0."""
    return {engine: walk(engine, repo, tmp_path_factory.mktemp(engine)) for engine in ENGINES}


@pytest.mark.xdist_group("update")
def test_both_engines_projects_take_two_releases_alike(walked: dict[Engine, Path]) -> None:
    cookiecutter, copier_born = (without_git(walked[engine]) for engine in ENGINES)
    different = [
        k
        for k in cookiecutter.keys() | copier_born.keys()
        if cookiecutter.get(k) != copier_born.get(k)
    ]
    assert different == []


@pytest.mark.xdist_group("update")
def test_changing_an_answer_adds_or_removes_its_files(
    walked: dict[Engine, Path], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    git(tmp_path, "clone", "-q", str(walked["cookiecutter"]), str(project))
    serving = {
        "Dockerfile",
        ".dockerignore",
        "src/my_ml_project/serving.py",
        "src/my_ml_project/playground.html",
        "tests/test_serving.py",
    }
    cluster = {
        "configs/hydra/launcher/submitit_local.yaml",
        "configs/hydra/launcher/submitit_slurm.yaml",
        "configs/hydra/launcher/submitit_slurm_gpu.yaml",
        "src/hydra_plugins/my_ml_project.py",
    }
    assert serving <= set(snapshot(project))
    assert not cluster & set(snapshot(project))

    update(
        project,
        "--vcs-ref=:current:",
        "-d",
        "serving=none",
        "-d",
        "ci=gitlab",
        "-d",
        "cluster=slurm",
    )
    files = set(snapshot(project))
    assert not serving & files
    assert cluster <= files
    assert "hydra-submitit-launcher" in (project / "pyproject.toml").read_text()
    assert not [path for path in files if path.startswith(".github/")]
    assert ".gitlab-ci.yml" in files, "GitHub's workflow gives way to GitLab's pipeline"
    assert "serve:" not in (project / "Makefile").read_text()
    assert "src/my_ml_project/ranking.py" in files, "the user's files stay"
    assert (recorded(project)["serving"], recorded(project)["ci"]) == ("none", "gitlab")
    commit_all(project, project_env(), "No serving, GitLab CI, SLURM")

    update(project, "--vcs-ref=:current:", "-d", "serving=fastapi", "-d", "cluster=none")
    assert serving <= set(snapshot(project))
    assert not cluster & set(snapshot(project))
    assert "hydra-submitit-launcher" not in (project / "pyproject.toml").read_text()
    assert "serve:" in (project / "Makefile").read_text()
    assert files_with_markers(project) == set()


@pytest.mark.xdist_group("update")
def test_changing_the_framework_brings_the_network_and_takes_it_away(
    walked: dict[Engine, Path], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    git(tmp_path, "clone", "-q", str(walked["copier"]), str(project))
    network = {
        "src/my_ml_project/network.py",
        "tests/test_network.py",
        "tests/test_network_onnx.py",
        "configs/model/mlp.yaml",
        "configs/trainer/cpu.yaml",
        "configs/trainer/gpu.yaml",
        "configs/trainer/auto.yaml",
    }
    index = "https://packages.example.com/whl/cpu"
    update(
        project, "--vcs-ref=:current:", "-d", "framework=pytorch", "-d", f"torch_index_url={index}"
    )
    files = set(snapshot(project))
    assert network <= files
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert any(item.startswith("torch>=") for item in pyproject["project"]["dependencies"])
    assert pyproject["tool"]["poetry"]["dependencies"]["torch"] == {"source": "torch"}
    sources = {source["name"]: source for source in pyproject["tool"]["poetry"]["source"]}
    assert sources["torch"] == {"name": "torch", "url": index, "priority": "explicit"}
    assert "  - model: mlp\n" in (project / "configs/config.yaml").read_text()
    assert "src/my_ml_project/ranking.py" in files, "the user's files stay"
    assert files_with_markers(project) == set()
    assert (recorded(project)["framework"], recorded(project)["torch_index_url"]) == (
        "pytorch",
        index,
    )
    commit_all(project, project_env(), "PyTorch")

    update(project, "--vcs-ref=:current:", "-d", "framework=sklearn", "-d", "torch_index_url=")
    assert not network & set(snapshot(project))
    assert "torch" not in (project / "pyproject.toml").read_text()
    assert files_with_markers(project) == set()


def release_with_onboarding_page(template: Path, parent: Path) -> Path:
    """The template before (v0.1.0) and after (v0.2.0) its real rename, with its migration."""
    repo = copy_template(parent / "ml-template", source=template)
    contributing, onboarding = (
        repo / PROJECT_DIR / "CONTRIBUTING.md",
        repo / PROJECT_DIR / "docs/onboarding.md",
    )
    contributing.rename(onboarding)
    git(repo, "init", "-q", "--initial-branch=main")
    release(repo, "v0.1.0")
    onboarding.rename(contributing)
    release(repo, "v0.2.0")
    return repo


@pytest.mark.xdist_group("update")
def test_the_shipped_migration_moves_the_onboarding_page_with_its_edits(
    template: Path, tmp_path: Path
) -> None:
    repo = release_with_onboarding_page(template, tmp_path)
    pristine = render_release("cookiecutter", repo, "v0.1.0", tmp_path / "pristine")
    edited = tmp_path / "edited"
    git(tmp_path, "clone", "-q", str(pristine), str(edited))
    append(edited / "docs/onboarding.md", "- Ask Ana for access to the bucket.\n")
    git(edited, "commit", "-q", "-am", "Our onboarding note")
    rendered = git(pristine, "show", "HEAD:docs/onboarding.md")

    for project in (pristine, edited):
        update(project, "--trust")
        assert recorded(project)["_commit"] == "v0.2.0"
        assert not (project / "docs/onboarding.md").exists()
    # Unedited: moved, no conflict. Edited: moved with the note, which shows as a conflict.
    assert files_with_markers(pristine) == set()
    assert (pristine / "CONTRIBUTING.md").read_text() == rendered
    assert git(pristine, "status", "--porcelain").splitlines() == [
        " M .copier-answers.yml",
        "R  docs/onboarding.md -> CONTRIBUTING.md",
    ]
    assert files_with_markers(edited) == {"CONTRIBUTING.md"}
    assert "- Ask Ana for access to the bucket." in (edited / "CONTRIBUTING.md").read_text()


def make_update_template(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`make update-template` with the template's own copier (RUN= skips `poetry run`)."""
    settings = project.parent / "copier-settings.yml"
    settings.write_text("{}\n")
    env = project_env(extra={"COPIER_SETTINGS_PATH": str(settings)})
    return run(
        ["make", "--no-print-directory", "update-template", "RUN=", *args],
        project,
        env,
        check=False,
    )


@pytest.mark.xdist_group("update")
def test_make_update_template_refuses_what_copier_cannot_update(repo: Path, tmp_path: Path) -> None:
    project = render_release("cookiecutter", repo, "v1.0.0", tmp_path)
    (project / "notes.txt").write_text("not committed yet\n")
    refused = make_update_template(project)
    assert refused.returncode != 0
    assert refused.stdout.splitlines() == [
        "make update-template needs a clean git tree (untracked files count): commit your"
        " changes, or stash them with git stash -u, and run it again"
    ]
    assert "dirty" in update(project, "--trust", check=False).stderr, "copier's own refusal"

    (project / "notes.txt").unlink()
    edit(project / ".copier-answers.yml", "_commit: v1.0.0\n", "")
    git(project, "commit", "-q", "-am", "An answers file without a version")
    refused = make_update_template(project)
    assert refused.returncode != 0
    [line] = refused.stdout.splitlines()
    assert line.startswith(".copier-answers.yml records no template version (_commit)")
    assert "cannot obtain old template references" in update(project, "--trust", check=False).stderr

    git(project, "rm", "-q", ".copier-answers.yml")
    git(project, "commit", "-q", "-m", "No answers file")
    [line] = make_update_template(project).stdout.splitlines()
    assert line.startswith(".copier-answers.yml is missing")


@pytest.mark.xdist_group("update")
def test_make_update_template_names_the_conflicts_and_fails(repo: Path, tmp_path: Path) -> None:
    project = render_release("cookiecutter", repo, "v1.0.0", tmp_path)
    user_edits(project)

    untrusted = make_update_template(project)
    assert untrusted.returncode != 0
    assert "make update-template COPIER_ARGS=--trust" in untrusted.stdout
    assert git(project, "status", "--porcelain") == ""

    conflicted = make_update_template(project, "COPIER_ARGS=--trust --vcs-ref=v1.1.0")
    assert conflicted.returncode != 0, conflicted.stdout
    assert (
        "The template's changes collide with yours in:\n  Makefile\n  docs/project-design.md\n"
        in (conflicted.stdout)
    )
    assert recorded(project)["_commit"] == "v1.1.0"

    for path in files_with_markers(project):
        keep_both_sides(project / path)
    commit_all(project, project_env(), "Update from the template to v1.1.0")
    rejected = make_update_template(project, "COPIER_ARGS=--conflict rej")
    assert rejected.returncode == 0, rejected.stdout + rejected.stderr
    assert rejected.stdout.splitlines()[-1].startswith("Updated to template v1.2.0. Review")


# Its own project: no xdist group, so it runs beside the `install` group.
def test_an_updated_project_installs_passes_its_checks_and_updates_itself(
    template: Path, tmp_path: Path
) -> None:
    """The walk of the other tests, then the project's own `make install lint test`, and
    `make update-template` through the project's Poetry environment to a new release."""
    repo = build_releases(template, tmp_path)
    project = walk("cookiecutter", repo, tmp_path, {"package_index_url": default_index_url()})
    env = project_env(home=tmp_path / "home")
    run(["make", "install"], project, env)
    commit_all(project, env, "Install")

    append(repo / PROJECT_DIR / ".editorconfig", "insert_final_newline = true\n")
    release(repo, "v1.3.0")
    updated = run(["make", "--no-print-directory", "update-template"], project, env)
    assert updated.stdout.splitlines()[-1].startswith("Updated to template v1.3.0. Review")
    assert "insert_final_newline" in (project / ".editorconfig").read_text()
    commit_all(project, env, "Update from the template to v1.3.0")

    run(["make", "lint"], project, env)
    run(["make", "test"], project, env)


# The template before issue 10 moved the project's options from Jinja blocks into files and
# configuration (0.2.0, unreleased): projects rendered from it must take today's template with no
# conflict in any file their owner did not edit. A commit of the template's own history.
PREVIOUS_TEMPLATE = "4921619ff8dce847ae71ca3f6aaccb94743daf7e"
# Every option on (the default), and every option that adds files off; the cookiecutter-born
# project takes the first, the copier-born one the second (the bridge test of test_render.py
# shows that both engines' projects of one version are the same).
UPDATED_ANSWERS = {
    "all-on": ANSWERS,
    "all-off": {
        **ANSWERS,
        "ci": "none",
        "experiment_tracker": "none",
        "serving": "none",
        "onnx_export": "no",
    },
}
# What an owner adds to a core module that the template may rewrite.
OWNER_FUNCTION = '\n\ndef owner_helper() -> str:\n    return "ours"\n'


def previous_and_current(template: Path, parent: Path) -> Path:
    """A clone of the template's repository: PREVIOUS_TEMPLATE tagged v0.1.0 and, on top of it,
    today's working tree (uncommitted changes too, as `template` has it) tagged v0.2.0."""
    try:
        git(TEMPLATE_ROOT, "cat-file", "-e", f"{PREVIOUS_TEMPLATE}^{{commit}}")
    except GitFailed:
        reason = f"needs the template's git history with {PREVIOUS_TEMPLATE[:7]} (a full clone)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI clones it in full")
        pytest.skip(reason)
    repo = parent / "ml-template"
    git(parent, "clone", "-q", "--no-tags", "--no-checkout", str(TEMPLATE_ROOT), str(repo))
    git(repo, "checkout", "-q", "-B", "main", PREVIOUS_TEMPLATE)
    git(repo, "tag", "v0.1.0")
    git(repo, "rm", "-rq", ".")
    shutil.copytree(template, repo, dirs_exist_ok=True)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "Today's template")
    git(repo, "tag", "v0.2.0")
    return repo


@pytest.fixture(scope="module")
def previous_repo(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return previous_and_current(template, tmp_path_factory.mktemp("previous"))


def owner_edits(project: Path) -> dict[str, str]:
    """user_edits, and a function appended to train.py: {path: a line of the owner's in it}."""
    user_edits(project)
    append(project / "src/my_ml_project/train.py", OWNER_FUNCTION)
    git(project, "commit", "-q", "-am", "Our helper")
    return {
        "configs/config.yaml": "n_errors: 10",
        "params.yaml": "n_errors: 10",
        "src/my_ml_project/ranking.py": "def top_classes(",
        "tests/test_ranking.py": "def test_top_classes()",
        "README.md": "## Team notes",
        "docs/design.md": "Flag risky loans before approval.",
        "Makefile": "metrics: ## Show the metrics",
        "src/my_ml_project/train.py": "def owner_helper() -> str:",
    }


@pytest.mark.xdist_group("update")
@pytest.mark.parametrize(
    ("engine", "answers"),
    [("cookiecutter", "all-on"), ("copier", "all-off")],
    ids=["cookiecutter-all-on", "copier-all-off"],
)
def test_a_project_of_the_previous_template_takes_todays_with_its_owners_edits(
    previous_repo: Path, tmp_path: Path, engine: Engine, answers: str
) -> None:
    given = UPDATED_ANSWERS[answers]
    project = render_release(engine, previous_repo, "v0.1.0", tmp_path / "project", given)
    rendered = without_git(project)
    kept_lines = owner_edits(project)
    edited = set(git(project, "diff", "--name-only", "HEAD~2", "HEAD").split())
    assert edited == set(kept_lines)
    owners = without_git(project)

    update(project, "--trust")
    assert recorded(project)["_commit"] == "v0.2.0"
    updated = without_git(project)
    conflicted = files_with_markers(project) | unmerged(project)
    assert conflicted <= edited, "conflicts in files the owner did not edit"
    for path, line in kept_lines.items():
        content = updated.get(path, (b"", False))[0].decode("utf-8")
        assert line in content, f"the owner's edit of {path} is lost"

    # Every file the owner did not edit is today's template, as a new project of the same
    # answers has it (the files it deleted are gone); an edited file that the template did not
    # change between the two versions is the owner's, byte for byte.
    fresh = without_git(
        render_release("copier", previous_repo, "v0.2.0", tmp_path / "fresh", given)
    )
    assert {path: file for path, file in updated.items() if path not in edited} == {
        path: file for path, file in fresh.items() if path not in edited
    }
    for path in edited:
        if rendered.get(path) == fresh.get(path):
            assert updated[path] == owners[path], f"{path}: the update changed it"
