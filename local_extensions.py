"""Jinja extensions that cookiecutter loads (see `_extensions` in cookiecutter.json).

Copier never reads this file.
"""

from __future__ import annotations

import os

from jinja2 import Environment
from jinja2.ext import Extension


# Cookiecutter's name for the project directory (the template tree's top folder), and the bytes
# that a file name may have (NAME_MAX on Linux, macOS and Windows).
PROJECT_DIR = "{{cookiecutter.project_slug}}"
NAME_MAX = 255


class TemplateDirExtension(Extension):
    """Adds the global `template_dir()`: the working directory, absolute.

    The hooks read the template directory: the post-generation hook records its absolute path in
    .copier-answers.yml (`copier update` cannot use a relative one), the pre-generation hook reads
    hooks/forbidden_names.json in it. Cookiecutter only knows the path as the user typed it, and
    runs hooks from the new project, so a relative path is lost there. It renders the hooks while
    the template directory is the working directory, so `template_dir()` called from a hook
    returns that directory as an absolute path.
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["template_dir"] = os.getcwd


def _within_name_max(name: str) -> str:
    return name.encode("utf-8")[:NAME_MAX].decode("utf-8", errors="ignore")


class ProjectDirExtension(Extension):
    """Creates the project directory under a name cut to NAME_MAX bytes.

    Cookiecutter creates the project directory before the pre-generation hook checks the answers,
    so an over-long project_slug would end in an OSError traceback. Cut, the directory can be
    created; the hook then refuses the answer with its one-line error and cookiecutter deletes the
    directory. A valid project_slug (64 characters at most) is never cut.
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["within_name_max"] = _within_name_max

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if source == PROJECT_DIR:
            return "{{ cookiecutter.project_slug | within_name_max }}"
        return source
