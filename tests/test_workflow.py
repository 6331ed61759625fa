"""The generated CI configuration runs the project's make targets, and its checkers really check.

Every rendered combination of the matrix goes through tests/ci_checks.py in test_render.py;
here: what the GitHub workflow and the GitLab pipeline do, and that each checker rejects a
broken file (so a clean report cannot come from a checker that read nothing).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ci_checks import (
    DEPENDABOT,
    GITHUB_WORKFLOWS,
    GITLAB_PIPELINE,
    actionlint,
    ci_problems,
    findings,
    gitlab_ci_verify,
    zizmor,
)
from tools.render import render

MAKE_TARGETS = ["make install", "make lint", "make test", "make smoke"]
# A step as a template author might write it: tag-pinned, on the retired node20 runtime, with
# the checkout's credentials persisted and an unquoted variable in the shell script.
OUTDATED_STEPS = """\
      - uses: actions/checkout@v4
      - run: echo $PYTHON_VERSION
"""


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def github_project(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = tmp_path_factory.mktemp("github")
    return render("copier", template, parent, {"python_version": "3.12"}, in_process=True)


@pytest.fixture(scope="module")
def gitlab_project(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = tmp_path_factory.mktemp("gitlab")
    answers = {"ci": "gitlab", "python_version": "3.13"}
    return render("copier", template, parent, answers, in_process=True)


def upload_paths(github_project: Path) -> list[str]:
    """The files the GitHub workflow keeps as the `report` artifact."""
    steps = load(github_project / GITHUB_WORKFLOWS / "ci.yml")["jobs"]["check"]["steps"]
    [upload] = [step for step in steps if step.get("uses", "").startswith("actions/upload-")]
    return str(upload["with"]["path"]).split()


def test_the_github_workflow_runs_the_make_targets_and_keeps_the_report(
    github_project: Path,
) -> None:
    workflow = load(github_project / GITHUB_WORKFLOWS / "ci.yml")
    assert workflow["env"]["PYTHON_VERSION"] == "3.12"
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["check"]["steps"]
    commands = [step["run"] for step in steps if "run" in step]
    assert commands[-4:] == MAKE_TARGETS
    # After the smoke run, its report and model card are kept as an artifact.
    smoke = next(index for index, step in enumerate(steps) if step.get("run") == "make smoke")
    assert steps[smoke + 1]["uses"].startswith("actions/upload-artifact@")
    assert upload_paths(github_project) == [
        "build/scratch/reports/report.html",
        "build/scratch/reports/model_card.md",
    ]


def test_every_action_is_pinned_to_a_commit_with_its_version_beside_it(
    github_project: Path,
) -> None:
    text = (github_project / GITHUB_WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert len(uses) == 4
    for reference, comment in uses:
        assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", reference), reference
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), f"{reference}: add # vX.Y.Z"


def test_dependabot_keeps_the_actions_and_the_python_packages_current(
    github_project: Path,
) -> None:
    updates = load(github_project / DEPENDABOT)["updates"]
    assert {update["package-ecosystem"] for update in updates} == {"github-actions", "pip"}
    for update in updates:
        assert update["schedule"]["interval"] == "weekly"
        assert list(update["groups"].values()) == [{"patterns": ["*"]}], "one pull request"
    assert "registries" not in load(github_project / DEPENDABOT), "the default index needs none"


def test_dependabot_resolves_from_the_projects_package_index(
    template: Path, tmp_path: Path
) -> None:
    url = "https://packages.example.com/simple"
    project = render("copier", template, tmp_path, {"package_index_url": url}, in_process=True)
    config = load(project / DEPENDABOT)
    assert config["registries"]["python-index"]["url"] == url
    [pip] = [update for update in config["updates"] if update["package-ecosystem"] == "pip"]
    assert pip["registries"] == ["python-index"]


def test_the_gitlab_pipeline_runs_the_same_targets_and_keeps_the_same_report(
    gitlab_project: Path, github_project: Path
) -> None:
    assert not (gitlab_project / ".github").exists()
    pipeline = load(gitlab_project / GITLAB_PIPELINE)
    job = pipeline["check"]
    assert job["image"] == "python:3.13"
    assert job["script"] == MAKE_TARGETS
    assert job["artifacts"]["paths"] == upload_paths(github_project)
    # One cache per lock file and Python: Poetry's downloads and the project's environment.
    assert "poetry.lock" in job["cache"]["key"]["files"]
    assert job["cache"]["key"]["prefix"] == "venv-py3.13"
    cache_dirs = {pipeline["variables"][name] for name in ("PIP_CACHE_DIR", "POETRY_CACHE_DIR")}
    cached = {f"$CI_PROJECT_DIR/{path}" for path in job["cache"]["paths"]}
    assert cache_dirs <= cached
    assert ".venv" in job["cache"]["paths"]


def test_the_generated_readme_names_the_ci_file_of_its_flavour(
    github_project: Path, gitlab_project: Path, template: Path, tmp_path: Path
) -> None:
    github_readme = (github_project / "README.md").read_text(encoding="utf-8")
    gitlab_readme = (gitlab_project / "README.md").read_text(encoding="utf-8")
    assert ".github/workflows/ci.yml" in github_readme and "GitLab" not in github_readme
    assert GITLAB_PIPELINE in gitlab_readme and ".github/" not in gitlab_readme
    no_ci = render("copier", template, tmp_path, {"ci": "none"}, in_process=True)
    readme = (no_ci / "README.md").read_text(encoding="utf-8")
    assert GITLAB_PIPELINE not in readme and ".github/" not in readme


# --- The checkers reject what they should -------------------------------------------------


def outdated_project(github_project: Path, tmp_path: Path) -> Path:
    """The rendered project with OUTDATED_STEPS added in front of the workflow's own steps."""
    project = tmp_path / "outdated"
    shutil.copytree(github_project / ".github", project / ".github")
    workflow = project / GITHUB_WORKFLOWS / "ci.yml"
    text = workflow.read_text(encoding="utf-8")
    steps = "    steps:\n"
    assert text.count(steps) == 1
    workflow.write_text(text.replace(steps, steps + OUTDATED_STEPS), encoding="utf-8")
    return project


def test_actionlint_rejects_an_action_on_the_retired_node20_runtime(
    github_project: Path, tmp_path: Path
) -> None:
    project = outdated_project(github_project, tmp_path)
    report = findings(actionlint(project / GITHUB_WORKFLOWS / "ci.yml"))
    assert 'runtime "node20" is deprecated' in report
    assert '"actions/checkout@v4"' in report


def test_actionlint_runs_shellcheck_on_the_run_scripts(
    github_project: Path, tmp_path: Path
) -> None:
    if shutil.which("shellcheck") is None:
        message = (
            "shellcheck is not installed (apt-get install shellcheck): actionlint skips scripts"
        )
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs it")
        pytest.skip(message)
    project = outdated_project(github_project, tmp_path)
    report = findings(actionlint(project / GITHUB_WORKFLOWS / "ci.yml"))
    assert "SC2086" in report, report


def test_zizmor_rejects_an_unpinned_action_and_persisted_credentials(
    github_project: Path, tmp_path: Path
) -> None:
    project = outdated_project(github_project, tmp_path)
    report = findings(zizmor(project))
    assert "unpinned-uses" in report, report
    assert "artipacked" in report, report


def test_zizmor_rejects_dependabot_updates_without_a_cooldown(
    github_project: Path, tmp_path: Path
) -> None:
    project = tmp_path / "no-cooldown"
    shutil.copytree(github_project / ".github", project / ".github")
    config = load(project / DEPENDABOT)
    for update in config["updates"]:
        del update["cooldown"]
    (project / DEPENDABOT).write_text(yaml.safe_dump(config), encoding="utf-8")
    assert "dependabot-cooldown" in findings(zizmor(project))


def test_gitlab_ci_verify_runs_shellcheck_on_the_job_scripts(
    gitlab_project: Path, tmp_path: Path
) -> None:
    pipeline = tmp_path / GITLAB_PIPELINE
    config = load(gitlab_project / GITLAB_PIPELINE)
    config["check"]["script"].insert(0, "cd build")
    pipeline.write_text(yaml.safe_dump(config), encoding="utf-8")
    assert "SC-2164" in findings(gitlab_ci_verify(pipeline))


def test_the_schema_checks_reject_broken_files(tmp_path: Path) -> None:
    project = tmp_path / "broken"
    (project / GITHUB_WORKFLOWS).mkdir(parents=True)
    (project / GITHUB_WORKFLOWS / "ci.yml").write_text(
        "on: push\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps: not-a-list\n",
        encoding="utf-8",
    )
    (project / DEPENDABOT).write_text(
        "version: 2\nupdates:\n  - package-ecosystem: poetry\n    directory: /\n",
        encoding="utf-8",
    )
    # A misspelt keyword: GitLab would refuse the whole pipeline.
    (project / GITLAB_PIPELINE).write_text(
        "check:\n  image: python:3.12\n  scirpt: [make test]\n", encoding="utf-8"
    )
    reports = "\n".join(ci_problems(project))
    for schema in ("vendor.github-workflows", "vendor.dependabot", "vendor.gitlab-ci"):
        assert f"--builtin-schema {schema}" in reports, schema
