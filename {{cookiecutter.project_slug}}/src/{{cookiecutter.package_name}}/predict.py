"""Applying a trained model to new rows: run this module with ``IN.csv OUT.csv``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from {{ cookiecutter.package_name }}.models import Classifier, load_model


def predict(model: Classifier, features: pd.DataFrame) -> pd.DataFrame:
    """The predicted label and the probability of every class, per row."""
    probabilities = model.predict_proba(features)
    columns = [f"probability_{label}" for label in model.classes]
    table = pd.DataFrame(probabilities, columns=columns, index=features.index)
    table.insert(0, "predicted", model.classes[probabilities.argmax(axis=1)])
    return table


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Predict the label of every row of a CSV file.")
    parser.add_argument("input", type=Path, help="CSV file with the feature columns")
    parser.add_argument("output", type=Path, help="CSV file to write the predictions to")
    parser.add_argument("--model", type=Path, default=Path("models/model.joblib"))
    args = parser.parse_args(argv)
    if args.output.exists():
        parser.error(f"{args.output} exists: choose a new output file")
    try:
        model = load_model(args.model)
        features = pd.read_csv(args.input)
        table = predict(model, features)
    except (FileNotFoundError, ValueError, KeyError) as error:
        sys.exit(f"error: {error}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.output, index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
