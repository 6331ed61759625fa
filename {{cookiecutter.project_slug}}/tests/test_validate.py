"""The validate stage: each rule of the schema on a broken copy of the sample, and the one line
that stops the pipeline before anything reads the data."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import pipeline, validate
from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.sample_data import TARGET, load_sample
from {{ cookiecutter.package_name }}.schema import (
    infer_schema,
    load_schema,
    schema_text,
)

from .conftest import on_sample, schema_of, smoke_config

ROWS = 569


def sample_with_site() -> pd.DataFrame:
    """The sample with a categorical column, so that categories have something to hold."""
    frame = load_sample()
    frame.insert(0, "site", ["left", "right"] * (ROWS // 2) + ["left"])
    return frame


def broken_copy(
    folder: Path, breaks: Callable[[pd.DataFrame], pd.DataFrame], schema_of_frame: pd.DataFrame
) -> Path:
    """A raw CSV broken by ``breaks``, beside the schema inferred from the unbroken data."""
    path = folder / "broken.csv"
    breaks(schema_of_frame.copy()).to_csv(path, index=False, lineterminator="\n")
    schema = infer_schema(schema_of_frame, TARGET)
    schema_of(path).write_text(schema_text(schema, schema_of_frame, path, TARGET), encoding="utf-8")
    return path


def problems(raw_csv: Path) -> list[str]:
    frame = pd.read_csv(raw_csv)
    return validate.violations(frame, load_schema(schema_of(raw_csv)), TARGET)


def rename(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={"mean_radius": "mean radius"})


def out_of_range(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[[3, 7], "mean_radius"] = [1000.0, 2000.0]  # millimetres, say, not centimetres
    frame.loc[5, "mean_texture"] = -1.0
    return frame


def new_category(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[[1, 2, 4], "site"] = "centre"
    return frame


def missing_values(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[:49, "mean_area"] = np.nan
    return frame


def new_class(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[[0, 10], TARGET] = "unknown"
    return frame


def wrong_type(frame: pd.DataFrame) -> pd.DataFrame:
    frame["mean_smoothness"] = frame["mean_smoothness"].astype(object)
    frame.loc[[8, 9], "mean_smoothness"] = "0,1"  # a decimal comma ("n/a" would read as missing)
    return frame


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        (
            rename,
            [
                "column 'mean radius' (rule: listed columns) is not in the schema",
                "column 'mean_radius' (rule: listed columns) is not in the data",
            ],
        ),
        (
            out_of_range,
            [
                "column 'mean_radius' breaks 'max: 30.3': 2 of 569 rows (e.g. 1000.0, 2000.0)",
                "column 'mean_texture' breaks 'min: 6.7': 1 of 569 rows (e.g. -1.0)",
            ],
        ),
        (
            new_category,
            ["column 'site' breaks 'categories: [left, right]': 3 of 569 rows (e.g. 'centre')"],
        ),
        (
            missing_values,
            ["column 'mean_area' breaks 'max_missing: 0': 50 of 569 rows (8.8%) are missing"],
        ),
        (
            new_class,
            [
                "column 'diagnosis' (the target) breaks 'categories: [benign, malignant]': "
                "2 of 569 rows (e.g. 'unknown')"
            ],
        ),
        (
            wrong_type,
            ["column 'mean_smoothness' breaks 'type: float': 2 of 569 rows (e.g. '0,1')"],
        ),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_each_rule_names_the_column_the_rule_and_the_rows_that_break_it(
    tmp_path: Path, breaks: Callable[[pd.DataFrame], pd.DataFrame], expected: list[str]
) -> None:
    raw_csv = broken_copy(tmp_path, breaks, sample_with_site())
    assert sorted(problems(raw_csv)) == sorted(expected)


def test_the_data_it_was_written_from_meets_the_schema(tmp_path: Path) -> None:
    raw_csv = broken_copy(tmp_path, lambda frame: frame, sample_with_site())
    assert problems(raw_csv) == []


def test_missing_values_within_the_limit_pass_and_beyond_it_break(tmp_path: Path) -> None:
    """A column that had missing values may have as many again (plus the margin), not more."""
    frame = load_sample()
    frame.loc[:56, "mean_area"] = np.nan  # 57 of 569: 10.0%, so the limit is 11.1%
    (tmp_path / "within").mkdir()
    (tmp_path / "beyond").mkdir()
    same = broken_copy(tmp_path / "within", lambda f: f, frame)
    assert problems(same) == []

    def more_missing(broken: pd.DataFrame) -> pd.DataFrame:
        broken.loc[:99, "mean_area"] = np.nan
        return broken

    assert problems(broken_copy(tmp_path / "beyond", more_missing, frame)) == [
        "column 'mean_area' breaks 'max_missing: 0.111': 100 of 569 rows (17.6%) are missing"
    ]


def test_a_violation_stops_the_stage_with_one_line(tmp_path: Path) -> None:
    raw_csv = broken_copy(tmp_path, new_class, load_sample())
    with pytest.raises(SystemExit) as stopped:
        validate.main(["experiment=smoke", *on_sample(raw_csv)])
    message = str(stopped.value.code)
    assert "\n" not in message
    assert message.startswith(f"error: {raw_csv} breaks its schema {schema_of(raw_csv)}: ")
    assert "column 'diagnosis' (the target) breaks 'categories: [benign, malignant]'" in message
    assert message.endswith("review and commit it")


def test_the_pipeline_stops_before_prepare_reads_broken_data(tmp_path: Path) -> None:
    raw_csv = broken_copy(tmp_path, out_of_range, load_sample())
    config = smoke_config(raw_csv, tmp_path / "out")
    with pytest.raises(validate.ContractError, match="mean_radius"):
        pipeline.run(config)
    assert not config.output("validation").exists()
    assert not config.output("train").exists()


def test_data_that_meets_the_schema_is_recorded(config: Config, sample_csv: Path) -> None:
    record = validate.run(config)
    assert record == {
        "data": str(sample_csv),
        "schema": str(schema_of(sample_csv)),
        "rows": ROWS,
        "columns": 31,
    }
    assert json.loads(config.output("validation").read_text()) == record


def test_a_file_without_rows_is_refused(sample_csv: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text(sample_csv.read_text().splitlines()[0] + "\n")
    with pytest.raises(SystemExit, match=rf"^error: {empty} has no rows"):
        validate.main([*on_sample(sample_csv), f"data.raw_path={empty}"])


def test_a_missing_schema_stops_the_stage_saying_how_to_write_it(
    sample_csv: Path, tmp_path: Path
) -> None:
    absent = tmp_path / "absent.yaml"
    with pytest.raises(SystemExit, match=rf"^error: schema {absent} not found: .*make schema"):
        validate.main(["experiment=smoke", *on_sample(sample_csv), f"data.schema={absent}"])
