"""The data contract: the schema of the raw data, written once from the data, then read by people.

``make schema`` infers it from the configured raw data (``data.raw_path``) and writes it to
``data.schema`` (``data/schema/<dataset>.yaml``): every column with its type, its allowed range
(what the data holds, widened by a margin) or categories, the fraction of missing values it may
have, and the target's classes. A person reviews and commits it; from then on the ``validate``
stage holds every snapshot of the data to it. The file is never overwritten without ``--force``.

This module reads and writes the file and knows nothing of how it is checked (``validate.py``).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pandas as pd
import yaml
from omegaconf import MISSING, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from {{ cookiecutter.package_name }}.config import (
    Config,
    ConfigError,
    compose_config,
    to_config,
)
from {{ cookiecutter.package_name }}.data import read_raw

TYPES = ("int", "float", "str", "bool")
MARGIN = 0.1  # ranges are widened by this fraction of the range seen (make schema MARGIN=...)
MAX_CATEGORIES = 50  # a text column with more distinct values is free text: no categories rule


class SchemaError(ValueError):
    """A schema file that is missing, malformed, or would be overwritten."""


# The file's structure, checked by OmegaConf like the config: a misspelt rule is an error, not
# a rule silently ignored. (OmegaConf needs ``Optional[...]`` rather than ``X | None``.)
@dataclass
class ColumnRules:
    type: str = MISSING
    min: Optional[float] = None  # noqa: UP045
    max: Optional[float] = None  # noqa: UP045
    categories: Optional[list[Any]] = None  # noqa: UP045
    max_missing: float = 0.0  # fraction of the rows, 0 to 1


@dataclass
class Schema:
    columns: dict[str, ColumnRules] = field(default_factory=dict)


def schema_path(config: Config) -> Path:
    if not config.data.schema:
        raise SchemaError(
            "data.schema is not set: name your data's schema in configs/data/ "
            "(schema: data/schema/<dataset>.yaml), then write it with `make schema`"
        )
    return config.data.schema


def load_schema(path: Path) -> Schema:
    """Read and check a schema file."""
    if not path.is_file():
        raise SchemaError(
            f"schema {path} not found: write it from the data with `make schema`, review it, "
            "and commit it (or set data.schema in configs/data/ to your schema)"
        )
    try:
        merged = OmegaConf.merge(OmegaConf.structured(Schema), OmegaConf.load(path))
        schema = OmegaConf.to_object(merged)
    except (OmegaConfBaseException, yaml.YAMLError) as error:
        raise SchemaError(f"{path}: {' '.join(str(error).split())}") from error
    assert isinstance(schema, Schema)
    for name, rules in schema.columns.items():
        where = f"{path}: column {name!r}"
        if rules.type not in TYPES:
            raise SchemaError(f"{where}: type {rules.type!r} is not one of {', '.join(TYPES)}")
        if rules.min is not None and rules.max is not None and rules.min > rules.max:
            raise SchemaError(f"{where}: min {rules.min} is above max {rules.max}")
        if not 0 <= rules.max_missing <= 1:
            raise SchemaError(f"{where}: max_missing is a fraction of the rows, from 0 to 1")
    if not schema.columns:
        raise SchemaError(f"{path} lists no columns: write it with `make schema FORCE=1`")
    return schema


def column_type(column: pd.Series) -> str:
    """The schema's name for a column's pandas type."""
    if pd.api.types.is_bool_dtype(column):
        return "bool"
    if pd.api.types.is_integer_dtype(column):
        return "int"
    if pd.api.types.is_float_dtype(column):
        return "float"
    return "str"


def widened(low: float, high: float, margin: float, integer: bool) -> tuple[float, float]:
    """The range [low, high] widened by ``margin`` of its width on each side, rounded outwards to
    a readable precision; never below zero when nothing seen was negative."""
    pad = margin * ((high - low) or abs(high) or 1.0)
    digits = 1 - math.floor(math.log10(pad)) if pad > 0 else 0
    scale = 10.0**digits
    # round(..., 9) first: float noise (48.000000001) must not push a bound one step further.
    lower = math.floor(round((low - pad) * scale, 9)) / scale
    upper = math.ceil(round((high + pad) * scale, 9)) / scale
    if low >= 0:
        lower = max(lower, 0.0)
    if integer:
        return float(math.floor(lower)), float(math.ceil(upper))
    return round(lower, max(digits, 0)), round(upper, max(digits, 0))


def infer_schema(frame: pd.DataFrame, target: str, margin: float = MARGIN) -> Schema:
    """The rules that ``frame`` meets, with room for what new data may bring."""
    if target not in frame.columns:
        raise SchemaError(
            f"target column {target!r} not in the data; set data.target to one of: "
            + ", ".join(map(str, frame.columns))
        )
    columns = {}
    for name, column in frame.items():
        rules = ColumnRules(type=column_type(column))
        seen = column.dropna()
        if rules.type in ("int", "float") and name != target and len(seen):
            rules.min, rules.max = widened(
                float(seen.min()), float(seen.max()), margin, rules.type == "int"
            )
        elif rules.type != "bool" and (name == target or seen.nunique() <= MAX_CATEGORIES):
            # Plain Python values (not NumPy's), so that YAML can write them.
            rules.categories = sorted(
                getattr(value, "item", lambda v=value: v)() for value in seen.unique()
            )
        missing = float(column.isna().mean())
        if missing:
            limit = math.ceil(round(missing * (1 + margin) * 1000, 9)) / 1000
            rules.max_missing = min(1.0, limit)
        columns[str(name)] = rules
    return Schema(columns=columns)


def _number(value: float, integer: bool) -> int | float:
    return int(value) if integer else value


def _flow(mapping: dict[str, Any]) -> str:
    """One YAML mapping on one line: a column's rules read, and diff, as one line."""
    text: str = yaml.safe_dump(mapping, default_flow_style=True, sort_keys=False, width=10**6)
    return text.strip()


def _seen(column: pd.Series, rules: ColumnRules, target: bool) -> str:
    """What the data held, as a comment beside the rules inferred from it."""
    notes = []
    seen = column.dropna()
    if target:
        notes.append("the target: its classes")
    if rules.min is not None and len(seen):
        notes.append(f"seen {seen.min().item()!r} to {seen.max().item()!r}")
    if rules.type == "str" and rules.categories is None:
        notes.append(f"{seen.nunique()} distinct values: too many to list as categories")
    if rules.max_missing:
        notes.append(f"seen {100 * column.isna().mean():.1f}% missing")
    return f"  # {'; '.join(notes)}" if notes else ""


def schema_text(
    schema: Schema, frame: pd.DataFrame, source: Path, target: str, margin: float = MARGIN
) -> str:
    """The schema file: rules one column a line, what was seen beside them, how to read it."""
    lines = [
        f"# The data contract of {source} and of every later snapshot of the same data:",
        "# the `validate` stage stops the pipeline when the raw data breaks a rule below.",
        f"# Written by `make schema` from {source} ({len(frame)} rows). Review it: a rule the",
        "# data alone cannot tell (a range, a category that may come) is yours to edit. Commit it.",
        "#   type         int, float, str or bool",
        f"#   min, max     the allowed range: what was seen, widened by {100 * margin:g}% of it",
        "#   categories   the allowed values (for the target: its classes)",
        "#   max_missing  the largest fraction of rows that may lack a value (0: none)",
        "# A listed column missing from the data, or a column not listed here, breaks it too.",
        "columns:",
    ]
    for name, rules in schema.columns.items():
        integer = rules.type == "int"
        mapping: dict[str, Any] = {"type": rules.type}
        if rules.min is not None and rules.max is not None:
            mapping["min"] = _number(rules.min, integer)
            mapping["max"] = _number(rules.max, integer)
        if rules.categories is not None:
            mapping["categories"] = rules.categories
        mapping["max_missing"] = rules.max_missing or 0
        comment = _seen(frame[name], rules, name == target)
        lines.append(f"  {_flow({name: mapping})[1:-1]}{comment}")
    return "\n".join(lines) + "\n"


def write_schema(config: Config, force: bool = False, margin: float = MARGIN) -> Path:
    """``make schema``: infer the schema from the configured raw data and write it."""
    path = schema_path(config)
    if path.exists() and not force:
        raise SchemaError(
            f"{path} exists and is the reviewed contract of your data: it is not overwritten. "
            "To write it again from the data, run `make schema FORCE=1`, then review the change "
            f"(git diff {path}) before committing it"
        )
    source = config.data.raw_path
    frame = read_raw(source)
    text = schema_text(
        infer_schema(frame, config.data.target, margin), frame, source, config.data.target, margin
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Write the schema of the raw data (data.schema), to review and commit."
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing schema")
    parser.add_argument(
        "--margin",
        type=float,
        default=MARGIN,
        help=f"widen each range by this fraction of its width (default {MARGIN})",
    )
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. data=my_data")
    args = parser.parse_args(argv)
    if args.margin < 0:
        parser.error("--margin must be 0 or more")
    try:
        config = to_config(compose_config(args.overrides))
        path = write_schema(config, force=args.force, margin=args.margin)
    except (ConfigError, FileNotFoundError, ValueError) as error:
        sys.exit(f"error: {' '.join(str(error).split())}")
    print(f"Wrote {path}: review it (every rule is yours to edit), then commit it")


if __name__ == "__main__":
    main()
