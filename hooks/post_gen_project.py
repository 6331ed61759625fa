"""Cookiecutter post-generation hook: leave the project exactly as copier would write it.

- Deletes `__skip__`, the name that a switched-off conditional directory renders to (a directory
  name must never render empty in cookiecutter; copier excludes `__skip__` in copier.yml).
- Writes .copier-answers.yml byte for byte as copier does, so that `copier update` can update a
  project that cookiecutter generated: `_src_path` (the template's absolute path, or the clone's
  `origin` URL for a remote template), `_commit` (`git describe --tags --always`, only when the
  template is a git checkout) and the answers.

Cookiecutter renders this file with Jinja and runs it from a temporary file with the new project
as working directory; tests import the functions and call them directly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import yaml  # a dependency of cookiecutter, which runs this hook; copier formats with it too

# Cookiecutter's Jinja pass turns these into JSON text (Python string literals): the answers,
# and the template directory from `template_dir()` in local_extensions.py.
ANSWERS_JSON = "{{ (cookiecutter | jsonify | tojson)[1:-1] }}"
TEMPLATE_DIR_JSON = "{{ (template_dir() | tojson | tojson)[1:-1] }}"

SKIP_DIR = "__skip__"
ANSWERS_FILE = ".copier-answers.yml"
# Copier's own first line; keeps the two engines' files identical.
HEADER = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
# URL forms that copier takes for git without a `git+` prefix (copier/_vcs.py, get_repo).
_COPIER_GIT_PREFIXES = ("git@", "git://", "git+", "https://github.com/", "https://gitlab.com/")


def _git(directory: str, *args: str) -> str | None:
    """Output of a git command in `directory`, or None when git fails or is missing.

    Not tools/git.py: cookiecutter runs this hook from a temporary file, where the template's
    tools cannot be imported."""
    try:
        result = subprocess.run(
            ["git", "-C", directory, *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def is_git_root(directory: str) -> bool:
    """True when `directory` is the top of a git work tree: copier's test for a git template."""
    top = _git(directory, "rev-parse", "--show-toplevel")
    return top is not None and Path(top).resolve() == Path(directory).resolve()


def source_path(template: str, repo_dir: str, template_dir: str) -> str:
    """The `_src_path` copier needs to find the template again.

    `template` is what the user typed, `repo_dir` the directory cookiecutter rendered from (the
    same string for a local template, a clone for a remote one), `template_dir` its absolute path.
    """
    if template == repo_dir:
        # A local directory; a relative path would break `copier update` inside the project.
        return repo_dir if os.path.isabs(repo_dir) else template_dir
    origin = _git(template_dir, "remote", "get-url", "origin")
    if not origin or not is_git_root(template_dir):
        return template
    if origin.endswith(".git") or origin.startswith(_COPIER_GIT_PREFIXES):
        return origin
    return "git+" + origin


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def template_commit(template_dir: str) -> str | None:
    """`_commit` as copier records it: `git describe --tags --always` of a git template.

    Says in one line when the project will not update cleanly: a template that is not a git
    checkout (no version to record), one with uncommitted changes, or one between releases.
    """
    if not is_git_root(template_dir):
        _warn(
            f"the template is not a git checkout, so {ANSWERS_FILE} records no version and"
            " `copier update` cannot update this project; render from a git clone of a release"
        )
        return None
    commit = _git(template_dir, "describe", "--tags", "--always")
    if commit and _git(template_dir, "status", "--porcelain"):
        _warn(
            f"the template has uncommitted changes; {ANSWERS_FILE} records {commit},"
            " which does not contain them, so `copier update` will see them as your edits"
        )
    elif commit and _git(template_dir, "describe", "--tags", "--exact-match") is None:
        _warn(
            f"the template is not at a release tag; {ANSWERS_FILE} records {commit}, and"
            " `copier update` will refuse to update this project until a newer release is tagged"
        )
    return commit


def answers_file_text(context: Mapping[str, object], src_path: str, commit: str | None) -> str:
    """The text of .copier-answers.yml, as copier's `to_nice_yaml` writes it."""
    data: dict[str, str] = {"_src_path": src_path}
    if commit:
        data["_commit"] = commit
    data.update((key, str(value)) for key, value in context.items() if not key.startswith("_"))
    text: str = yaml.dump(data, indent=4, allow_unicode=True, default_flow_style=False)
    return HEADER + text


def remove_skipped(project: Path) -> None:
    """Delete the directory that switched-off conditional directories render to."""
    if (project / SKIP_DIR).exists():
        shutil.rmtree(project / SKIP_DIR)


def main() -> int:
    """Finish the project in the working directory, where cookiecutter runs this hook."""
    context = json.loads(ANSWERS_JSON)
    template_dir = json.loads(TEMPLATE_DIR_JSON)
    project = Path.cwd()
    remove_skipped(project)
    src_path = source_path(str(context["_template"]), str(context["_repo_dir"]), template_dir)
    text = answers_file_text(context, src_path, template_commit(template_dir))
    with open(project / ANSWERS_FILE, "w", encoding="utf-8", newline="\n") as answers_file:
        answers_file.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
