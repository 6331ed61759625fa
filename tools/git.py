"""The one way the template's tools and tests run git.

(hooks/post_gen_project.py keeps its own small call: cookiecutter runs hooks from a temporary
file, where the template's tools cannot be imported.)
"""

from __future__ import annotations

import subprocess
from pathlib import Path

# A committer for template repositories and projects that tests create: commits must work on a
# machine with no git identity (CI), and the user's own must not leak into them.
IDENTITY = ("-c", "user.name=Template Tests", "-c", "user.email=tests@example.com")


class GitFailed(subprocess.CalledProcessError):
    """A git command exited non-zero; the message carries git's own error."""

    def __str__(self) -> str:
        return f"{super().__str__()}\n{self.stderr.strip()}"


def git(repo: Path | None, *args: str, check: bool = True, identity: bool = True) -> str:
    """The output of `git -C repo <args>` (in the working directory when `repo` is None).

    `identity` gives commits the fixed IDENTITY; turn it off to read the user's configuration.
    With `check`, a failure raises GitFailed; without, its output is returned all the same.
    """
    command = ["git", *(IDENTITY if identity else ()), *(["-C", str(repo)] if repo else [])]
    result = subprocess.run([*command, *args], capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise GitFailed(result.returncode, [*command, *args], result.stdout, result.stderr)
    return result.stdout


def config(key: str) -> str:
    """The user's git configuration value for `key`, or '' when unset."""
    return git(None, "config", "--get", key, check=False, identity=False).strip()
