"""Scoring a model on the test set: the ``evaluate`` stage.

Besides the metrics, evaluation always writes what is needed to look at the mistakes:
the most confident mispredictions with their inputs (``reports/errors.csv``), and the data
of a confusion matrix and a ROC curve that ``dvc plots show`` draws.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.preprocessing import label_binarize

from {{ cookiecutter.package_name }}.config import Config, run_stage
from {{ cookiecutter.package_name }}.data import Dataset, load_dataset
from {{ cookiecutter.package_name }}.models import Classifier, load_model
from {{ cookiecutter.package_name }}.tracker import tracker_for

log = logging.getLogger(__name__)

DIGITS = 6  # rounding keeps metrics files stable and diffs readable


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, float]
    predictions: pd.DataFrame  # per test row: actual, predicted, confidence
    roc: pd.DataFrame  # fpr, tpr


def predictions_table(model: Classifier, test_set: Dataset) -> pd.DataFrame:
    """Actual label, predicted label and the model's confidence in it, per test row."""
    probabilities = model.predict_proba(test_set.features)
    predicted = model.classes[probabilities.argmax(axis=1)]
    return pd.DataFrame(
        {
            "actual": test_set.target.to_numpy(),
            "predicted": predicted,
            "confidence": probabilities.max(axis=1).round(DIGITS),
        },
        index=test_set.target.index,
    )


def compute_metrics(
    actual: pd.Series, predicted: pd.Series, probabilities: np.ndarray, classes: np.ndarray
) -> dict[str, float]:
    """Accuracy, balanced accuracy, macro F1 and ROC AUC (one-vs-rest when multiclass)."""
    if len(classes) == 2:
        auc = roc_auc_score(actual == classes[1], probabilities[:, 1])
    else:
        auc = roc_auc_score(actual, probabilities, multi_class="ovr", labels=classes)
    metrics = {
        "accuracy": accuracy_score(actual, predicted),
        "balanced_accuracy": balanced_accuracy_score(actual, predicted),
        "f1_macro": f1_score(actual, predicted, average="macro"),
        "roc_auc": auc,
    }
    return {name: round(float(value), DIGITS) for name, value in metrics.items()}


def micro_roc(actual: pd.Series, probabilities: np.ndarray, classes: np.ndarray) -> pd.DataFrame:
    """ROC curve of the positive class (binary) or micro-averaged over classes (multiclass)."""
    if len(classes) == 2:
        truth, scores = (actual == classes[1]).to_numpy(), probabilities[:, 1]
    else:
        truth = label_binarize(actual, classes=classes).ravel()
        scores = probabilities.ravel()
    fpr, tpr, _ = roc_curve(truth, scores)
    return pd.DataFrame({"fpr": fpr.round(DIGITS), "tpr": tpr.round(DIGITS)})


def evaluate(model: Classifier, test_set: Dataset) -> Evaluation:
    probabilities = model.predict_proba(test_set.features)
    predictions = predictions_table(model, test_set)
    metrics = compute_metrics(
        predictions["actual"], predictions["predicted"], probabilities, model.classes
    )
    roc = micro_roc(predictions["actual"], probabilities, model.classes)
    return Evaluation(metrics=metrics, predictions=predictions, roc=roc)


def worst_mispredictions(predictions: pd.DataFrame, features: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` wrong predictions the model was most sure of, with their inputs.

    These are the rows to look at first in error analysis: label noise, missing features
    and systematic blind spots show up here.
    """
    wrong = predictions[predictions["actual"] != predictions["predicted"]]
    ranked = wrong.sort_values(["confidence"], ascending=False, kind="stable").head(n)
    return ranked.join(features)


def write_reports(evaluation: Evaluation, test_set: Dataset, config: Config) -> list[Path]:
    """Write the metrics, errors table and plot data; return the files written."""
    written = [config.output(name) for name in ("metrics", "errors", "confusion", "roc")]
    metrics, errors_path, confusion, roc = written
    for path in written:
        path.parent.mkdir(parents=True, exist_ok=True)
    metrics.write_text(json.dumps(evaluation.metrics, indent=2) + "\n")
    errors = worst_mispredictions(
        evaluation.predictions, test_set.features, config.evaluation.n_errors
    )
    errors.to_csv(errors_path, lineterminator="\n")
    evaluation.predictions[["actual", "predicted"]].to_csv(
        confusion, index=False, lineterminator="\n"
    )
    evaluation.roc.to_csv(roc, index=False, lineterminator="\n")
    return written


def run(config: Config) -> Evaluation:
    """The ``evaluate`` stage: model and test set in, metrics and error reports out."""
    tracker = tracker_for(config)
    model = load_model(config.output("model"))
    test_set = load_dataset(config.output("test"), config.data.target)
    evaluation = evaluate(model, test_set)
    reports = write_reports(evaluation, test_set, config)
    log.info("evaluate: %s", json.dumps(evaluation.metrics))
    tracker.log_evaluation(config, evaluation.metrics, reports)
    return evaluation


def main(argv: Sequence[str] | None = None) -> None:
    run_stage(argv, "Evaluate the trained model on the test set.", run)


if __name__ == "__main__":
    main()
