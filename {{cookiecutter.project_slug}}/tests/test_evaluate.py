from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.data import Dataset
from {{ cookiecutter.package_name }}.evaluate import (
    compute_metrics,
    evaluate,
    worst_mispredictions,
    write_reports,
)
from {{ cookiecutter.package_name }}.models import ColumnKind


class FixedModel:
    """A Classifier whose probabilities are given: evaluation can be checked by hand."""

    def __init__(self, probabilities: list[list[float]]) -> None:
        self.probabilities = np.array(probabilities)

    @property
    def classes(self) -> npt.NDArray[Any]:
        return np.array(["no", "yes"])

    @property
    def input_columns(self) -> dict[str, ColumnKind]:
        return {"x": "number"}

    def fit(self, features: pd.DataFrame, target: pd.Series) -> None:
        raise NotImplementedError

    def predict(self, features: pd.DataFrame) -> npt.NDArray[Any]:
        return np.asarray(self.classes[self.probabilities.argmax(axis=1)])

    def predict_proba(self, features: pd.DataFrame) -> npt.NDArray[np.float64]:
        return self.probabilities


@pytest.fixture
def test_set() -> Dataset:
    index = pd.Index([10, 11, 12, 13], name="row_id")
    features = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}, index=index)
    return Dataset(features, pd.Series(["no", "no", "yes", "yes"], index=index, name="label"))


# Row 11 is wrong with confidence 0.9, row 13 wrong with 0.6; rows 10 and 12 are right.
PROBABILITIES = [[0.8, 0.2], [0.1, 0.9], [0.3, 0.7], [0.6, 0.4]]


def test_metrics_match_a_hand_computed_example(test_set: Dataset) -> None:
    evaluation = evaluate(FixedModel(PROBABILITIES), test_set)
    # Two of four right; scores of "yes" rank positives above negatives in 2 of 4 pairs.
    assert evaluation.metrics == {
        "accuracy": 0.5,
        "balanced_accuracy": 0.5,
        "f1_macro": 0.5,
        "roc_auc": 0.5,
    }


def test_perfect_predictions_score_one() -> None:
    actual = pd.Series(["a", "b", "c", "a"])
    probabilities = np.eye(3)[[0, 1, 2, 0]]
    metrics = compute_metrics(actual, actual, probabilities, np.array(["a", "b", "c"]))
    assert set(metrics.values()) == {1.0}


def test_worst_mispredictions_come_most_confident_first_with_inputs(test_set: Dataset) -> None:
    evaluation = evaluate(FixedModel(PROBABILITIES), test_set)
    errors = worst_mispredictions(evaluation.predictions, test_set.features, n=5)
    assert list(errors.index) == [11, 13]
    assert list(errors["actual"]) == ["no", "yes"]
    assert list(errors["predicted"]) == ["yes", "no"]
    assert list(errors["confidence"]) == [0.9, 0.6]
    assert list(errors["x"]) == [2.0, 4.0]
    assert list(worst_mispredictions(evaluation.predictions, test_set.features, n=1).index) == [11]


def test_roc_curve_runs_from_origin_to_one(test_set: Dataset) -> None:
    roc = evaluate(FixedModel(PROBABILITIES), test_set).roc
    assert (roc.iloc[0]["fpr"], roc.iloc[-1]["fpr"], roc.iloc[-1]["tpr"]) == (0.0, 1.0, 1.0)
    assert roc["fpr"].is_monotonic_increasing and roc["tpr"].is_monotonic_increasing


def test_reports_hold_the_metrics_errors_and_plot_data(test_set: Dataset, config: Config) -> None:
    evaluation = evaluate(FixedModel(PROBABILITIES), test_set)
    written = write_reports(evaluation, test_set, config)
    assert written == [config.output(name) for name in ("metrics", "errors", "confusion", "roc")]
    assert json.loads(config.output("metrics").read_text()) == evaluation.metrics
    errors = pd.read_csv(config.output("errors"), index_col="row_id")
    assert list(errors.index) == [11, 13]
    confusion = pd.read_csv(config.output("confusion"))
    assert list(confusion.columns) == ["actual", "predicted"] and len(confusion) == 4
    assert list(pd.read_csv(config.output("roc")).columns) == ["fpr", "tpr"]
