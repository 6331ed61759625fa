"""The model interface, its scikit-learn implementation, and how models are saved.

The rest of the pipeline only knows :class:`Classifier`: any class with these methods
(a PyTorch network, a gradient-boosting library, a rule set) can replace
:class:`SklearnClassifier` without touching training, evaluation or prediction. A model config
whose ``_target_`` builds a :class:`Classifier` itself is used as it is; one that builds a
scikit-learn estimator gets the feature steps of ``configs/features/`` in front of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import joblib
import numpy as np
import numpy.typing as npt
import pandas as pd
from hydra.utils import instantiate
from sklearn.base import ClassifierMixin
from sklearn.pipeline import Pipeline

from {{ cookiecutter.package_name }}.config import FeaturesConfig
from {{ cookiecutter.package_name }}.features import build_features

ColumnKind = Literal["number", "text"]


@runtime_checkable
class Classifier(Protocol):
    """What the pipeline needs of a model."""

    @property
    def classes(self) -> npt.NDArray[Any]:
        """The labels, in the order of :meth:`predict_proba`'s columns."""
        ...

    @property
    def input_columns(self) -> dict[str, ColumnKind]:
        """The feature columns the fitted model reads, in order, and what each one holds."""
        ...

    def fit(self, features: pd.DataFrame, target: pd.Series) -> None: ...

    def predict(self, features: pd.DataFrame) -> npt.NDArray[Any]: ...

    def predict_proba(self, features: pd.DataFrame) -> npt.NDArray[np.float64]: ...


class SklearnClassifier:
    """Feature transformations and a scikit-learn estimator, fitted together."""

    def __init__(self, estimator: ClassifierMixin, features: FeaturesConfig) -> None:
        if not hasattr(estimator, "predict_proba"):
            raise ValueError(
                f"{type(estimator).__name__} has no predict_proba: "
                "choose an estimator that gives class probabilities"
            )
        self.pipeline = Pipeline([("features", build_features(features)), ("model", estimator)])

    @property
    def classes(self) -> npt.NDArray[Any]:
        return np.asarray(self.pipeline.classes_)

    @property
    def input_columns(self) -> dict[str, ColumnKind]:
        # The fitted feature step knows which columns it scaled as numbers.
        numeric: set[str] = set()
        for name, _, columns in self.pipeline.named_steps["features"].transformers_:
            if name == "numeric":
                numeric = {str(column) for column in columns}
        return {
            str(column): "number" if str(column) in numeric else "text"
            for column in self.pipeline.feature_names_in_
        }

    def fit(self, features: pd.DataFrame, target: pd.Series) -> None:
        self.pipeline.fit(features, target)

    def predict(self, features: pd.DataFrame) -> npt.NDArray[Any]:
        return np.asarray(self.pipeline.predict(features))

    def predict_proba(self, features: pd.DataFrame) -> npt.NDArray[np.float64]:
        return np.asarray(self.pipeline.predict_proba(features), dtype=np.float64)


def build_model(model: dict[str, Any], features: FeaturesConfig) -> Classifier:
    """Instantiate the class named by ``model["_target_"]`` with the other keys as arguments: a
    :class:`Classifier` as it is, a scikit-learn estimator inside a :class:`SklearnClassifier`."""
    if "_target_" not in model:
        raise ValueError(
            "the model config needs a _target_ (a class name),"
            " e.g. sklearn.linear_model.LogisticRegression"
        )
    built = instantiate(model, _convert_="all")
    if isinstance(built, Classifier):  # a model with its own features and training loop
        return built
    return SklearnClassifier(built, features)


def learning_history(model: Classifier) -> list[dict[str, float]]:
    """The per-epoch losses and metrics of a model trained in epochs (a network's
    ``history``); empty for a model fitted in one call."""
    history = getattr(model, "history", None)
    return [dict(epoch) for epoch in history] if isinstance(history, list) else []


def save_model(model: Classifier, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)


def load_model(path: Path) -> Classifier:
    if not path.is_file():
        raise FileNotFoundError(f"no model at {path}: train one with `make pipeline`")
    model = joblib.load(path)
    if not isinstance(model, Classifier):
        raise ValueError(f"{path} does not hold a Classifier")
    return model
