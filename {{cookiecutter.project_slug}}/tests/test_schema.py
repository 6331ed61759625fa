"""The schema file: inferred from the data with room to spare, read back as written, checked
for typos, and never overwritten without consent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.sample_data import TARGET, load_sample
from {{ cookiecutter.package_name }}.schema import (
    MAX_CATEGORIES,
    ColumnRules,
    SchemaError,
    infer_schema,
    load_schema,
    main,
    schema_text,
    widened,
    write_schema,
)

from .conftest import on_sample


def test_ranges_hold_what_was_seen_with_a_margin_and_stay_non_negative() -> None:
    assert widened(6.981, 28.11, 0.1, integer=False) == (4.8, 30.3)
    assert widened(0.0, 0.4268, 0.1, integer=False) == (0.0, 0.47)  # no negative seen: none allowed
    assert widened(-5.0, 5.0, 0.1, integer=False) == (-6.0, 6.0)
    assert widened(3.0, 3.0, 0.5, integer=True) == (1.0, 5.0)  # one value: room around it
    assert widened(10.0, 200.0, 0.0, integer=True) == (10.0, 200.0)  # no margin: exactly the seen


def test_sample_schema_lists_every_column_and_the_target_classes() -> None:
    frame = load_sample()
    schema = infer_schema(frame, TARGET)
    assert list(schema.columns) == list(frame.columns)
    assert schema.columns[TARGET] == ColumnRules(type="str", categories=["benign", "malignant"])
    radius = schema.columns["mean_radius"]
    assert radius.type == "float"
    assert radius.min is not None and radius.max is not None
    assert radius.min < frame["mean_radius"].min() <= frame["mean_radius"].max() < radius.max
    assert radius.max_missing == 0


def test_types_categories_free_text_and_missing_values_are_inferred() -> None:
    rows = 2 * MAX_CATEGORIES
    frame = pd.DataFrame(
        {
            "count": np.arange(rows),
            "colour": ["red", "blue"] * MAX_CATEGORIES,
            "comment": [f"note {i}" for i in range(rows)],
            "flag": [True, False] * MAX_CATEGORIES,
            "weight": [np.nan] * 10 + [1.5] * (rows - 10),
            "label": [0, 1] * MAX_CATEGORIES,
        }
    )
    schema = infer_schema(frame, "label").columns
    assert schema["count"] == ColumnRules(type="int", min=0, max=109)
    assert schema["colour"] == ColumnRules(type="str", categories=["blue", "red"])
    assert schema["comment"] == ColumnRules(type="str")  # too many values to be categories
    assert schema["flag"] == ColumnRules(type="bool")
    assert schema["weight"].max_missing == 0.11  # 10% seen, plus the margin
    assert schema["label"] == ColumnRules(type="int", categories=[0, 1])  # classes, not a range


def test_the_written_file_reads_back_as_inferred_with_what_was_seen_beside_it(
    tmp_path: Path,
) -> None:
    frame = load_sample()
    schema = infer_schema(frame, TARGET)
    text = schema_text(schema, frame, Path("data/raw/sample.csv"), TARGET)
    path = tmp_path / "schema.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_schema(path) == schema
    [radius_line] = [line for line in text.splitlines() if line.startswith("  mean_radius:")]
    assert radius_line.endswith("# seen 6.981 to 28.11")
    assert "# the target: its classes" in text


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("{type: float, maximum: 3}", "maximum"),  # a misspelt rule is not silently ignored
        ("{type: double}", "type 'double' is not one of int, float, str, bool"),
        ("{type: float, min: 3, max: 1}", "min 3.0 is above max 1.0"),
        ("{type: float, max_missing: 5}", "max_missing is a fraction of the rows"),
        ("{type: float, min: lots}", "min"),
    ],
)
def test_a_malformed_schema_is_one_line_naming_the_problem(
    tmp_path: Path, rules: str, message: str
) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text(f"columns:\n  size: {rules}\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=message) as error:
        load_schema(path)
    assert "\n" not in str(error.value)


def test_a_missing_schema_says_how_to_write_it(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="make schema"):
        load_schema(tmp_path / "absent.yaml")


def test_make_schema_writes_once_and_replaces_only_when_forced(
    sample_csv: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "schema" / "sample.yaml"
    overrides = [*on_sample(sample_csv), f"data.schema={target}"]
    main(overrides)
    assert "review it" in capsys.readouterr().out
    written = load_schema(target)
    target.write_text("# reviewed by a person\n" + target.read_text(), encoding="utf-8")
    reviewed = target.read_bytes()

    with pytest.raises(SystemExit, match=r"^error: .*exists.*make schema FORCE=1") as refused:
        main(overrides)
    assert "\n" not in str(refused.value)
    assert target.read_bytes() == reviewed  # the person's edit is still there

    main(["--force", *overrides])
    assert load_schema(target) == written
    assert target.read_bytes() != reviewed


def test_write_schema_refuses_an_existing_file(config: Config, tmp_path: Path) -> None:
    config.data.schema = tmp_path / "schema.yaml"
    assert write_schema(config) == tmp_path / "schema.yaml"
    with pytest.raises(SchemaError, match="not overwritten"):
        write_schema(config)


def test_make_schema_without_a_schema_path_says_where_to_set_it(
    sample_csv: Path,
) -> None:
    with pytest.raises(SystemExit, match=r"^error: data\.schema is not set"):
        main([*on_sample(sample_csv), "data.schema=null"])


def test_make_schema_names_the_columns_when_the_target_is_wrong(
    sample_csv: Path, tmp_path: Path
) -> None:
    overrides = [*on_sample(sample_csv), f"data.schema={tmp_path / 's.yaml'}", "data.target=label"]
    with pytest.raises(SystemExit, match=r"set data\.target to one of: mean_radius"):
        main(overrides)
    assert not (tmp_path / "s.yaml").exists()
