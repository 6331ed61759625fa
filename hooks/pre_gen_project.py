"""Cookiecutter pre-generation hook: reject invalid answers before any file is written.

Cookiecutter renders this file with Jinja and runs the result from a temporary file, so it
cannot import sibling modules: the rules live here, in plain functions that tests import.
copier.yml restates them as `validator:` entries with the same one-line messages, and
tests/test_hooks.py runs one table of answers through both.

A failing hook makes cookiecutter delete the project directory it has just created.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from collections.abc import Callable, Mapping

# Cookiecutter's Jinja pass turns this into the answers as JSON text (a Python string literal).
ANSWERS_JSON = "{{ (cookiecutter | jsonify | tojson)[1:-1] }}"

# Text that is not one plain line: control characters, Unicode line breaks, and Jinja
# delimiters (cookiecutter renders answers given on its command line as templates).
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]|[{][%#{]|[}%#][}]")
_SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_PACKAGE = re.compile(r"[a-z_][a-z0-9_]*")
# No quotes, backslashes or angle brackets: the values go into TOML and YAML strings unescaped.
_EMAIL = re.compile(r'[^@\s"\\<>,]+@[^@\s"\\<>,]+\.[^@\s"\\<>,]+')
_URL = re.compile(r'https?://[^\s"\\<>/?#]+([/?#][^\s"\\<>]*)?')

# The remote kinds DVC 3 knows (dvc/config_schema.py, REMOTE_SCHEMAS) -> the extra of the `dvc`
# package that installs its plugin ("" when DVC itself has it). The one list: the render of
# pyproject.toml and copier.yml's validator restate it, and tests/test_hooks.py holds them to it.
DVC_REMOTE_EXTRAS: dict[str, str] = {
    "s3": "s3",
    "gs": "gs",
    "azure": "azure",
    "ssh": "ssh",
    "hdfs": "hdfs",
    "webhdfs": "webhdfs",
    "oss": "oss",
    "gdrive": "gdrive",
    "http": "",
    "https": "",
    "webdav": "webdav",
    "webdavs": "webdav",
}
# Anything that starts like a URL (a scheme of two or more characters and a colon; `C:` is a
# Windows drive) must be one of DVC's: <scheme>://<bucket or host>[/path]. No quotes or
# backslashes: the value goes into .dvc/config as a quoted string.
_LOOKS_LIKE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")
_DVC_URL = re.compile("(" + "|".join(DVC_REMOTE_EXTRAS) + r')://[^\s"\\/?#]+(/[^\s"\\]*)?')
_LOCAL_PATH = re.compile(r'[^"\\]+')


def _dvc_remote(value: str) -> bool:
    if not _non_empty_line(value):
        return False
    if _LOOKS_LIKE_URL.match(value):
        return _DVC_URL.fullmatch(value) is not None
    return _LOCAL_PATH.fullmatch(value) is not None and value == value.strip()


CHOICES: dict[str, tuple[str, ...]] = {
    "python_version": ("3.11", "3.12", "3.13"),
    "license": ("MIT", "Apache-2.0", "BSD-3-Clause", "Proprietary"),
    "ci": ("github", "none"),
    "experiment_tracker": ("mlflow", "none"),
    "serving": ("fastapi", "none"),
    "onnx_export": ("yes", "no"),
}

_TEXT = "use one line of text without control characters or Jinja delimiters"
_NON_EMPTY_TEXT = "use one non-empty line of text without control characters or Jinja delimiters"


def _one_line(value: str) -> bool:
    return _NOT_ONE_LINE.search(value) is None


def _non_empty_line(value: str) -> bool:
    return bool(value.strip()) and _one_line(value)


def _choice(field: str) -> tuple[Callable[[str], bool], str]:
    choices = CHOICES[field]
    return (lambda value: value in choices), "use one of " + ", ".join(map(json.dumps, choices))


def _example(text: str) -> str:
    return f", e.g. {json.dumps(text)}"


# field -> (is the value valid?, what to type instead). Question order, so the first error
# reported is the one copier reports.
RULES: dict[str, tuple[Callable[[str], bool], str]] = {
    "project_name": (_non_empty_line, _NON_EMPTY_TEXT + _example("My ML Project")),
    "project_slug": (
        lambda value: _SLUG.fullmatch(value) is not None,
        "use lowercase letters, digits and hyphens, starting with a letter"
        + _example("my-ml-project"),
    ),
    "package_name": (
        lambda value: _PACKAGE.fullmatch(value) is not None and not keyword.iskeyword(value),
        "use lowercase letters, digits and underscores, not starting with a digit and not a"
        " Python keyword" + _example("my_ml_project"),
    ),
    "description": (_one_line, _TEXT + _example("A machine learning project.")),
    "author_name": (_non_empty_line, _NON_EMPTY_TEXT + _example("Your Name")),
    "author_email": (
        lambda value: _EMAIL.fullmatch(value) is not None and _one_line(value),
        "use an address of the form name@domain.tld" + _example("you@example.com"),
    ),
    "python_version": _choice("python_version"),
    "license": _choice("license"),
    "dvc_remote_url": (
        _dvc_remote,
        "use a directory, or a URL of a DVC remote (scheme://bucket-or-host/path) with one of the"
        " schemes " + ", ".join(DVC_REMOTE_EXTRAS) + _example("s3://my-bucket/my-ml-project"),
    ),
    "ci": _choice("ci"),
    "experiment_tracker": _choice("experiment_tracker"),
    "serving": _choice("serving"),
    "onnx_export": _choice("onnx_export"),
    "package_index_url": (
        lambda value: not value or (_URL.fullmatch(value) is not None and _one_line(value)),
        "leave it empty or use an http(s) URL" + _example("https://example.com/simple"),
    ),
}


def problem(field: str, value: object) -> str | None:
    """Return the one-line error for `value` as an answer to `field`, or None if it is valid."""
    is_valid, advice = RULES[field]
    text = str(value)
    if is_valid(text):
        return None
    return f"{field} {json.dumps(text, ensure_ascii=False)} is not valid: {advice}"


def first_problem(answers: Mapping[str, object]) -> str | None:
    """Return the error for the first invalid answer in question order, or None."""
    for field in RULES:
        message = problem(field, answers.get(field, ""))
        if message:
            return message
    return None


def main() -> int:
    """Print the first problem to stderr and fail, so that cookiecutter writes nothing."""
    message = first_problem(json.loads(ANSWERS_JSON))
    if message:
        print(message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
