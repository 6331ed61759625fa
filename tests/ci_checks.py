"""The generated CI configuration, checked by the tools that read it the way the CI service does.

GitHub: SchemaStore's workflow and Dependabot schemas (shipped in check-jsonschema), actionlint
(which runs shellcheck on `run:` scripts when shellcheck is installed) and zizmor (offline; any
finding of medium or high severity fails). GitLab: GitLab's own CI schema (shipped in
check-jsonschema) and gitlab-ci-verify (offline: shellcheck on every script and its curated
checks; GitLab's lint API needs a server and a token). Every tool is a pinned wheel of
requirements-dev.txt; actionlint's shellcheck is Debian's (gitlab-ci-verify bundles its own).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

GITHUB_WORKFLOWS = ".github/workflows"
DEPENDABOT = ".github/dependabot.yml"
GITLAB_PIPELINE = ".gitlab-ci.yml"

_BIN = Path(sys.executable).parent


def _schema(name: str, *files: Path) -> list[str]:
    return [sys.executable, "-m", "check_jsonschema", "--builtin-schema", name, *map(str, files)]


def actionlint(*workflows: Path) -> list[str]:
    # Without shellcheck actionlint skips the `run:` scripts: test_workflow.py says so.
    shellcheck = [] if shutil.which("shellcheck") else ["-shellcheck="]
    return [str(_BIN / "actionlint"), "-no-color", *shellcheck, *map(str, workflows)]


def zizmor(*inputs: Path) -> list[str]:
    # --no-config and --no-ignores: a project's zizmor.yml or an ignore comment cannot hide a
    # finding; --strict-collection: a file zizmor cannot parse fails instead of being skipped.
    return [
        *(str(_BIN / "zizmor"), "--offline", "--no-progress", "--color=never"),
        *("--no-config", "--no-ignores", "--strict-collection", "--min-severity=medium"),
        *map(str, inputs),
    ]


def gitlab_ci_verify(pipeline: Path) -> list[str]:
    # Any finding fails (the default threshold is the lowest, "style").
    return [
        *(str(_BIN / "gitlab-ci-verify"), "--no-lint-api", "--format=text"),
        *("--gitlab-ci-file", str(pipeline)),
    ]


def findings(command: list[str]) -> str:
    """What `command` reported, if it failed; an empty string if it passed."""
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return ""
    return f"$ {' '.join(command)}\n{result.stdout}{result.stderr}"


def ci_problems(project: Path) -> list[str]:
    """Every report of the CI checkers on a rendered project: [] when its CI config is clean."""
    commands = []
    workflows = sorted((project / GITHUB_WORKFLOWS).glob("*.yml"))
    if workflows:
        commands += [
            _schema("vendor.github-workflows", *workflows),
            _schema("vendor.dependabot", project / DEPENDABOT),
            actionlint(*workflows),
            zizmor(project),
        ]
    pipeline = project / GITLAB_PIPELINE
    if pipeline.exists():
        commands += [_schema("vendor.gitlab-ci", pipeline), gitlab_ci_verify(pipeline)]
    return [report for report in map(findings, commands) if report]
