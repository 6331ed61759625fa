"""Drive a generated project the way its user does: through its Makefile.

Shared by the tests, the demo and the benchmark, so that all three run projects identically:
the template's own tools (poetry) on PATH, one package cache for every project (downloads are
reused), and a git identity when the machine has none.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from tools import git

CACHE_ROOT = Path(__file__).resolve().parent.parent / "build" / "cache"
"""Package caches shared by every generated project this repository installs."""


class CommandFailed(RuntimeError):
    """A command in a generated project exited non-zero; the message holds its output."""


def project_env(home: Path | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment to run a generated project's make targets in.

    `home` replaces HOME, so that the project's default DVC remote (`~/dvc-storage/...`) and any
    per-user state land in a scratch folder instead of the real home.
    """
    env = dict(os.environ)
    tools = str(Path(sys.executable).parent)  # poetry, installed beside this interpreter
    env["PATH"] = os.pathsep.join([tools, env.get("PATH", "")])
    env["POETRY_CACHE_DIR"] = str(CACHE_ROOT / "poetry")
    env["PRE_COMMIT_HOME"] = str(CACHE_ROOT / "pre-commit")
    env["PIP_CACHE_DIR"] = str(CACHE_ROOT / "pip")  # pip installs `make ui`'s environment
    env.pop("VIRTUAL_ENV", None)  # else Poetry would install into the template's own venv
    # Projects run as on a person's machine, which keeps the bytecode Python compiles. A container
    # that sets PYTHONDONTWRITEBYTECODE (CI's does) would make `make install` compile every module
    # (its Makefile's answer to that setting: about 45 s more per install); a test that checks
    # that answer sets it again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # Under the template's make, command-line variables (`make test PYTHON=...`) reach every
    # sub-make through MAKEFLAGS: the project's make would take the template's PYTHON.
    for variable in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(variable, None)
    env.setdefault("GIT_AUTHOR_NAME", git.config("user.name") or "Template Tests")
    env.setdefault("GIT_AUTHOR_EMAIL", git.config("user.email") or "tests@example.com")
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        env["HOME"] = str(home)
    env.update(extra or {})
    return env


def run(
    command: Sequence[str], cwd: Path, env: Mapping[str, str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `command` in `cwd`, capturing its output; raise `CommandFailed` with it on failure."""
    result = subprocess.run(
        list(command),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        raise CommandFailed(
            f"`{' '.join(command)}` in {cwd} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
        )
    return result


def timed(command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> float:
    """Run `command` like :func:`run` and return its wall-clock time in seconds."""
    start = time.perf_counter()
    run(command, cwd, env)
    return time.perf_counter() - start


def commit_all(project: Path, env: Mapping[str, str], message: str) -> None:
    """`git add -A && git commit` as the user does (the git hooks run)."""
    run(["git", "add", "-A"], project, env)
    run(["git", "commit", "--quiet", "-m", message], project, env)
