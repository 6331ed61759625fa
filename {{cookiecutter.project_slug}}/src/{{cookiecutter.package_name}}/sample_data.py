"""The bundled sample dataset: scikit-learn's copy of the Wisconsin breast cancer data.

It ships inside scikit-learn, so a new project has real data without downloading anything.
``make data`` writes it to ``data/raw/`` once; DVC tracks it from there like any raw data.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_breast_cancer

TARGET = "diagnosis"


def load_sample() -> pd.DataFrame:
    """569 tumours, 30 numeric measurements, and the diagnosis: malignant or benign."""
    bunch = load_breast_cancer(as_frame=True)
    frame: pd.DataFrame = bunch.frame.rename(columns=lambda name: str(name).replace(" ", "_"))
    labels = dict(enumerate(bunch.target_names))
    frame[TARGET] = frame.pop("target").map(labels)
    return frame


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the bundled sample dataset to a CSV file.")
    parser.add_argument("output", type=Path, help="e.g. data/raw/breast_cancer.csv")
    args = parser.parse_args(argv)
    if args.output.exists():
        parser.error(f"{args.output} exists; raw data is never overwritten")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    load_sample().to_csv(args.output, index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
