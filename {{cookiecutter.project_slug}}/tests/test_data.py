from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.data import (
    Dataset,
    load_dataset,
    load_raw,
    run,
    save_dataset,
    split,
)
from {{ cookiecutter.package_name }}.sample_data import TARGET


def test_load_raw_separates_target_and_keeps_row_ids(sample_csv: Path) -> None:
    dataset = load_raw(sample_csv, TARGET)
    assert len(dataset) == 569
    assert TARGET not in dataset.features.columns
    assert dataset.features.shape[1] == 30
    assert list(dataset.target.index[:3]) == [0, 1, 2]
    assert set(dataset.target) == {"malignant", "benign"}


def test_max_rows_keeps_a_seeded_sample(sample_csv: Path) -> None:
    first = load_raw(sample_csv, TARGET, max_rows=50, seed=1)
    again = load_raw(sample_csv, TARGET, max_rows=50, seed=1)
    other = load_raw(sample_csv, TARGET, max_rows=50, seed=2)
    assert len(first) == 50
    assert first.target.index.equals(again.target.index)
    assert not first.target.index.equals(other.target.index)


def test_missing_raw_file_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make data"):
        load_raw(tmp_path / "absent.csv", TARGET)


def test_missing_target_column_lists_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "raw.csv"
    pd.DataFrame({"a": [1], "b": [2]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"set data\.target to one of: a, b"):
        load_raw(path, "label")


def test_split_is_stratified_disjoint_and_reproducible(toy_frame: pd.DataFrame) -> None:
    dataset = Dataset(toy_frame.drop(columns=[TARGET]), toy_frame[TARGET])
    train, test = split(dataset, test_size=0.5, seed=0)
    train_again, _ = split(dataset, test_size=0.5, seed=0)
    assert len(train) == len(test) == 6
    assert set(train.target.index).isdisjoint(test.target.index)
    assert test.target.value_counts().to_dict() == {"small": 3, "large": 3}
    assert train.target.index.equals(train_again.target.index)


def test_datasets_round_trip_through_csv(toy_frame: pd.DataFrame, tmp_path: Path) -> None:
    dataset = Dataset(toy_frame.drop(columns=[TARGET]), toy_frame[TARGET])
    save_dataset(dataset, tmp_path / "set.csv")
    loaded = load_dataset(tmp_path / "set.csv", TARGET)
    pd.testing.assert_frame_equal(loaded.features, dataset.features)
    pd.testing.assert_series_equal(loaded.target, dataset.target)


def test_prepare_stage_writes_the_split_and_leaves_raw_data_alone(
    config: Config, sample_csv: Path
) -> None:
    raw_before = sample_csv.read_bytes()
    train, test = run(config)
    assert len(train) + len(test) == config.data.max_rows
    assert load_dataset(config.output("test"), TARGET).target.index.equals(test.target.index)
    assert sample_csv.read_bytes() == raw_before


def test_dataset_rejects_misaligned_rows(toy_frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="same rows"):
        Dataset(toy_frame.drop(columns=[TARGET]), toy_frame[TARGET].iloc[1:])
