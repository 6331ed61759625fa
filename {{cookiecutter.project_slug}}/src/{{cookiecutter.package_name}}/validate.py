"""Holding the raw data to its schema: the ``validate`` stage, which runs before ``prepare``.

The schema (``data.schema``, written by ``make schema`` and reviewed by a person) becomes a
pandera ``DataFrameSchema``; every rule is checked at once, and a violation stops the pipeline
with one line that names each broken rule, its column and how many rows break it. What passed
is recorded in ``paths.validation``, which ``prepare`` reads, so it never runs on data that broke
the contract.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from {{ cookiecutter.package_name }}.config import Config, run_stage
from {{ cookiecutter.package_name }}.data import read_raw
from {{ cookiecutter.package_name }}.schema import (
    ColumnRules,
    Schema,
    load_schema,
    schema_path,
)

log = logging.getLogger(__name__)

# The pandas type each schema type is read as. Nullable integers and booleans, so that a
# missing value is counted by max_missing rather than turning the column into floats.
DTYPES = {"int": "Int64", "float": "float64", "str": "str", "bool": "boolean"}
N_EXAMPLES = 3  # offending values quoted per broken rule


class ContractError(ValueError):
    """Raw data that breaks its schema."""


def _shown(values: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(map(str, values[:limit]))
    return f"[{shown}{', ...' if len(values) > limit else ''}]"


def _rule(name: str, value: object) -> str:
    return f"{name}: {value}"


def _missing_fraction_at_most(limit: float) -> pa.Check:
    return pa.Check(
        lambda column: bool(column.isna().mean() <= limit),
        element_wise=False,
        ignore_na=False,
        error=_rule("max_missing", limit),
    )


def _column(rules: ColumnRules) -> pa.Column:
    checks = []
    if rules.min is not None:
        checks.append(pa.Check.ge(rules.min, error=_rule("min", rules.min)))
    if rules.max is not None:
        checks.append(pa.Check.le(rules.max, error=_rule("max", rules.max)))
    if rules.categories is not None:
        checks.append(
            pa.Check.isin(rules.categories, error=_rule("categories", _shown(rules.categories)))
        )
    if rules.max_missing > 0:
        checks.append(_missing_fraction_at_most(rules.max_missing))
    # max_missing 0 is pandera's own not-nullable rule, which counts the rows.
    return pa.Column(DTYPES[rules.type], checks, nullable=rules.max_missing > 0, coerce=True)


def to_pandera(schema: Schema) -> pa.DataFrameSchema:
    """The schema file's rules as a pandera schema; columns not listed are a violation too."""
    columns = {name: _column(rules) for name, rules in schema.columns.items()}
    return pa.DataFrameSchema(columns, strict=True)


def violations(frame: pd.DataFrame, schema: Schema, target: str) -> list[str]:
    """Every rule that ``frame`` breaks, one phrase each: column, rule, rows that break it."""
    try:
        to_pandera(schema).validate(frame, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return []
    rows = len(frame)
    checks = cases["check"].astype(str)
    # A column of the wrong type fails its other rules as a side effect: report the type only,
    # once (a value that cannot be converted fails both coerce_dtype and dtype).
    wrong_type = set(cases.loc[checks.str.startswith(("coerce_dtype", "dtype")), "column"])
    not_coerced = set(cases.loc[checks.str.startswith("coerce_dtype"), "column"])
    found: list[str] = []
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        if check in ("column_in_dataframe", "column_in_schema"):
            where = "data" if check == "column_in_dataframe" else "schema"
            found += [
                f"column {name!r} (rule: listed columns) is not in the {where}"
                for name in group["failure_case"]
            ]
            continue
        label = f"column {column!r}{' (the target)' if column == target else ''}"
        if str(check).startswith(("coerce_dtype", "dtype")):
            if str(check).startswith("dtype") and column in not_coerced:
                continue
            rule = _rule("type", schema.columns[str(column)].type)
        elif column in wrong_type:
            continue
        elif check == "not_nullable":
            rule = _rule("max_missing", 0)
        else:
            rule = str(check)
        if rule.startswith("max_missing"):
            broken = int(frame[column].isna().sum())
            share = f"{broken} of {rows} rows ({100 * broken / rows:.1f}%)"
            found.append(f"{label} breaks {rule!r}: {share} are missing")
            continue
        offending = group.dropna(subset=["index"])
        examples = offending["failure_case"].drop_duplicates().head(N_EXAMPLES).tolist()
        found.append(
            f"{label} breaks {rule!r}: {offending['index'].nunique()} of {rows} rows "
            f"(e.g. {', '.join(map(repr, examples))})"
        )
    return found


def run(config: Config) -> dict[str, Any]:
    """The ``validate`` stage: raw data and schema in, a record of what passed out."""
    path = schema_path(config)
    schema = load_schema(path)
    raw_path = config.data.raw_path
    frame = read_raw(raw_path)
    if frame.empty:
        raise ContractError(f"{raw_path} has no rows: check the export that wrote it")
    broken = violations(frame, schema, config.data.target)
    if broken:
        raise ContractError(
            f"{raw_path} breaks its schema {path}: {'; '.join(broken)}. Fix the data; or, if the "
            f"change is intended, edit {path} (or `make schema FORCE=1`), review and commit it"
        )
    record = {
        "data": str(raw_path),
        "schema": str(path),
        "rows": len(frame),
        "columns": len(schema.columns),
    }
    output = config.output("validation")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    log.info("validate: %d rows of %s meet %s", len(frame), raw_path, path)
    return record


def main(argv: Sequence[str] | None = None) -> None:
    run_stage(argv, "Check the raw data against its schema (data.schema).", run)


if __name__ == "__main__":
    main()
