"""A Jinja extension that cookiecutter loads (see `_extensions` in cookiecutter.json).

The post-generation hook records the template's absolute path in .copier-answers.yml, because
`copier update` cannot use a relative one. Cookiecutter only knows the path as the user typed
it, and runs hooks from the new project, so a relative path is lost there. It renders the hooks
while the template directory is the working directory, so `template_dir()` called from a hook
returns that directory as an absolute path. Copier never reads this file.
"""

from __future__ import annotations

import os

from jinja2 import Environment
from jinja2.ext import Extension


class TemplateDirExtension(Extension):
    """Adds the global `template_dir()`: the working directory, absolute."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["template_dir"] = os.getcwd
