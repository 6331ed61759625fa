"""The model interface, its scikit-learn implementation, and how models are saved.

The rest of the pipeline only knows :class:`Classifier`: any class with these methods
(a PyTorch network, a gradient-boosting library, a rule set) can replace
:class:`SklearnClassifier` without touching training, evaluation or prediction. A model config
whose ``_target_`` builds a :class:`Classifier` itself is used as it is; one that builds a
scikit-learn estimator gets the feature steps of ``configs/features/`` in front of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import joblib
import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.pipeline import Pipeline

from {{ cookiecutter.package_name }}.config import FeaturesConfig
from {{ cookiecutter.package_name }}.features import build_features

ColumnKind = Literal["number", "text"]
Value = float | str


@dataclass(frozen=True)
class InputColumn:
    """One input column as the model saw it in training."""

    name: str
    kind: ColumnKind
    minimum: float | None = None  # number columns: the range seen (None when all were missing)
    maximum: float | None = None
    categories: list[str] = field(default_factory=list)  # text columns: most frequent first


@dataclass(frozen=True)
class TrainingInputs:
    """What a model saw of its inputs in training: kept with the model, so that a server (or an
    image without the data) can show ranges and choices, and start from a real row."""

    columns: list[InputColumn]
    example: dict[str, Value]  # a real training row: the most typical one without missing values


def describe_inputs(features: pd.DataFrame, kinds: dict[str, ColumnKind]) -> TrainingInputs:
    """Ranges, categories and a typical row of the training features, for the ``kinds`` columns."""
    features = features[list(kinds)]
    columns = []
    for name, kind in kinds.items():
        values = features[name].dropna()
        if kind == "number":
            finite = values[np.isfinite(values.astype(float))]
            bounds = (float(finite.min()), float(finite.max())) if len(finite) else (None, None)
            columns.append(InputColumn(name, kind, *bounds))
        else:
            counts = values.astype(str).value_counts(sort=True)
            columns.append(InputColumn(name, kind, categories=[str(c) for c in counts.index]))
    return TrainingInputs(columns=columns, example=_typical_row(features, kinds))


def _typical_row(features: pd.DataFrame, kinds: dict[str, ColumnKind]) -> dict[str, Value]:
    """The complete row nearest the medians of the number columns (in standard deviations); if
    every row misses a value, the medians and the most frequent categories themselves."""
    complete = features.replace([np.inf, -np.inf], np.nan).dropna()
    if complete.empty:
        return {
            name: float(features[name].median())
            if kind == "number"
            else str(features[name].mode()[0])
            for name, kind in kinds.items()
            if features[name].notna().any()
        }
    distance = np.zeros(len(complete))
    for name, kind in kinds.items():
        column = complete[name].astype(float) if kind == "number" else None
        if column is not None and column.std() > 0:
            distance += ((column - column.median()) / column.std()).abs().to_numpy()
    row = complete.iloc[int(distance.argmin())]
    return {
        name: float(row[name]) if kind == "number" else str(row[name])
        for name, kind in kinds.items()
    }


@runtime_checkable
class DescribesItsInputs(Protocol):
    """A model that keeps what it saw of its inputs in training, as :class:`SklearnClassifier`
    does: the playground of ``make serve`` builds its form from it. Another model class gets
    the same by setting ``self.training_inputs = describe_inputs(features, self.input_columns)``
    in its ``fit``."""

    @property
    def training_inputs(self) -> TrainingInputs:
        """Ranges and categories of the input columns seen in training, and a typical row."""
        ...


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
        self.training_inputs = describe_inputs(features, self.input_columns)

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
    from hydra.utils import instantiate  # here: stages that only load a model start without Hydra

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
