"""Loading the raw data and splitting it: the ``prepare`` stage.

Raw data is read, never written: the split goes to ``data/processed/``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from {{ cookiecutter.package_name }}.config import Config, run_stage

log = logging.getLogger(__name__)

ROW_ID = "row_id"  # position of the row in the raw file: ties every prediction back to its input


@dataclass(frozen=True)
class Dataset:
    """Features and target of the same rows, indexed by ``row_id``."""

    features: pd.DataFrame
    target: pd.Series

    def __post_init__(self) -> None:
        if not self.features.index.equals(self.target.index):
            raise ValueError("features and target must have the same rows")

    def __len__(self) -> int:
        return len(self.target)


def read_raw(path: Path) -> pd.DataFrame:
    """Read a raw CSV file as it is, rows indexed by ``row_id``."""
    if not path.is_file():
        raise FileNotFoundError(
            f"raw data {path} not found: run `make data` (dvc pull), "
            "or set data.raw_path in configs/data/ to your file"
        )
    frame = pd.read_csv(path)
    frame.index.name = ROW_ID
    return frame


def load_raw(path: Path, target: str, max_rows: int | None = None, seed: int = 0) -> Dataset:
    """Read a raw CSV file; ``max_rows`` keeps a seeded random sample (for fast runs)."""
    frame = read_raw(path)
    if target not in frame.columns:
        raise ValueError(
            f"target column {target!r} not in {path}; set data.target to one of: "
            + ", ".join(map(str, frame.columns))
        )
    if max_rows is not None and max_rows < len(frame):
        frame = frame.sample(n=max_rows, random_state=seed).sort_index()
    return Dataset(features=frame.drop(columns=[target]), target=frame[target])


def split(dataset: Dataset, test_size: float, seed: int) -> tuple[Dataset, Dataset]:
    """Split into train and test sets, stratified by the target, reproducibly."""
    # Imported here: the validate stage reads the raw data through this module, without sklearn.
    from sklearn.model_selection import train_test_split

    train_x, test_x, train_y, test_y = train_test_split(
        dataset.features,
        dataset.target,
        test_size=test_size,
        random_state=seed,
        stratify=dataset.target,
    )
    return Dataset(train_x, train_y), Dataset(test_x, test_y)


def save_dataset(dataset: Dataset, path: Path) -> None:
    """Write features and target to one CSV file, keeping ``row_id``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = dataset.features.assign(**{str(dataset.target.name): dataset.target})
    frame.to_csv(path, index_label=ROW_ID, lineterminator="\n")


def load_dataset(path: Path, target: str) -> Dataset:
    """Read a CSV file written by :func:`save_dataset`."""
    frame = pd.read_csv(path, index_col=ROW_ID)
    return Dataset(features=frame.drop(columns=[target]), target=frame[target])


def run(config: Config) -> tuple[Dataset, Dataset]:
    """The ``prepare`` stage: raw data in, train and test sets out."""
    data = config.data
    dataset = load_raw(data.raw_path, data.target, data.max_rows, config.seed)
    train, test = split(dataset, data.test_size, config.seed)
    save_dataset(train, config.output("train"))
    save_dataset(test, config.output("test"))
    log.info("prepare: %d train rows, %d test rows", len(train), len(test))
    return train, test


def main(argv: Sequence[str] | None = None) -> None:
    run_stage(argv, "Split the raw data into train and test sets.", run)


if __name__ == "__main__":
    main()
