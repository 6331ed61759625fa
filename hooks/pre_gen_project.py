"""Cookiecutter pre-generation hook: reject invalid answers before any file is written.

Cookiecutter renders this file with Jinja and runs the result from a temporary file, so it
cannot import the template's tools: it reads its rules as data from the template directory.
hooks/questions.json holds them (patterns, choices, and each question's checks with their one-line
messages), generated from questions.yaml by `make generate`; copier.yml's validators read the same
file (`!include`), so both engines refuse the same answers with the same line. The names that a
project may not take are data too: hooks/forbidden_names.json (`make forbidden-names`).

A failing hook makes cookiecutter delete the project directory it has just created.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Cookiecutter's Jinja pass turns these into JSON text (Python string literals): the answers,
# and the template directory from `template_dir()` in local_extensions.py.
ANSWERS_JSON = "{{ (cookiecutter | jsonify | tojson)[1:-1] }}"
TEMPLATE_DIR_JSON = "{{ (template_dir() | tojson | tojson)[1:-1] }}"

# Generated files beside this hook in the template: the rules, and the names a project may not
# take. copier.yml includes both as hidden questions.
RULES_FILE = "questions.json"
NAMES_FILE = "forbidden_names.json"


def _hooks_dir() -> Path:
    """hooks/ of the template that cookiecutter renders from, or beside this file when it is
    imported unrendered (by the tests and tools)."""
    if TEMPLATE_DIR_JSON.startswith('"'):  # rendered: a JSON string
        return Path(json.loads(TEMPLATE_DIR_JSON)) / "hooks"
    return Path(__file__).resolve().parent


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((_hooks_dir() / name).read_text(encoding="utf-8"))
    return data


RULES: dict[str, Any] = _load(RULES_FILE)
PATTERNS = {name: re.compile(pattern) for name, pattern in RULES["patterns"].items()}
CHOICES: dict[str, tuple[str, ...]] = {
    name: tuple(choices) for name, choices in RULES["choices"].items()
}
DVC_REMOTE_EXTRAS: dict[str, str] = RULES["dvc_remote_extras"]
MAX_NAME_LENGTH: int = RULES["max_name_length"]


@functools.cache
def forbidden_names() -> dict[str, Any]:
    """hooks/forbidden_names.json."""
    return _load(NAMES_FILE)


def _applies(check: Mapping[str, Any], value: str) -> bool:
    if "if_match" in check:
        return PATTERNS[check["if_match"]].fullmatch(value) is not None
    if "unless_match" in check:
        return PATTERNS[check["unless_match"]].fullmatch(value) is None
    return True


def _passes(field: str, check: Mapping[str, Any], value: str) -> bool:
    """Whether `value` passes `check` (one entry of questions.json; tools/questions.py writes
    the same condition as Jinja for copier)."""
    if "in_choices" in check:
        return value in CHOICES[field]
    if "not_blank" in check:
        return bool(value.strip())
    if "no_match" in check:
        return PATTERNS[check["no_match"]].search(value) is None
    if "full_match" in check:
        return PATTERNS[check["full_match"]].fullmatch(value) is not None
    if "not_keyword" in check:
        return value not in RULES["keywords"]
    if "max_length" in check:
        return len(value) <= check["max_length"]
    if "not_in" in check:
        return value not in forbidden_names()[check["not_in"]]
    if "stripped" in check:
        return value == value.strip()
    raise ValueError(f"questions.json: unknown check {check}")


def problem(field: str, value: object) -> str | None:
    """Return the one-line error for `value` as an answer to `field`, or None if it is valid."""
    question = RULES["questions"][field]
    text = str(value)
    if question["allow_empty"] and not text:
        return None
    for check in question["checks"]:
        if _applies(check, text) and not _passes(field, check, text):
            advice = check["message"]
            if "{owners}" in advice:  # the distributions that install the module `text`
                advice = advice.replace("{owners}", ", ".join(forbidden_names()["modules"][text]))
            advice = advice.replace("{value}", text)
            return f"{field} {json.dumps(text, ensure_ascii=False)} is not valid: {advice}"
    return None


def first_problem(answers: Mapping[str, object]) -> str | None:
    """Return the error for the first invalid answer in question order, or None."""
    for field in RULES["questions"]:
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
