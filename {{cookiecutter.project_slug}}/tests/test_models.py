from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.svm import LinearSVC

from {{ cookiecutter.package_name }}.config import FeaturesConfig
from {{ cookiecutter.package_name }}.models import (
    Classifier,
    SklearnClassifier,
    build_model,
    load_model,
    save_model,
)
from {{ cookiecutter.package_name }}.sample_data import TARGET

LOGISTIC = {"_target_": "sklearn.linear_model.LogisticRegression", "random_state": 0}


def fitted(frame: pd.DataFrame) -> SklearnClassifier:
    model = build_model(LOGISTIC, FeaturesConfig())
    assert isinstance(model, SklearnClassifier)
    model.fit(frame.drop(columns=[TARGET]), frame[TARGET])
    return model


def test_the_sklearn_model_is_a_classifier(toy_frame: pd.DataFrame) -> None:
    assert isinstance(fitted(toy_frame), Classifier)


def test_predictions_have_one_probability_column_per_class(toy_frame: pd.DataFrame) -> None:
    model = fitted(toy_frame)
    features = toy_frame.drop(columns=[TARGET])
    probabilities = model.predict_proba(features)
    assert probabilities.shape == (12, 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert sorted(model.classes) == ["large", "small"]
    assert list(model.predict(features)) == list(model.classes[probabilities.argmax(axis=1)])


def test_input_columns_are_the_training_columns_with_their_kind(toy_frame: pd.DataFrame) -> None:
    assert fitted(toy_frame).input_columns == {"size": "number", "colour": "text"}


def test_a_separable_problem_is_learned(toy_frame: pd.DataFrame) -> None:
    model = fitted(toy_frame)
    assert list(model.predict(toy_frame.drop(columns=[TARGET]))) == list(toy_frame[TARGET])


def test_models_survive_saving_and_loading(toy_frame: pd.DataFrame, tmp_path: Path) -> None:
    model = fitted(toy_frame)
    save_model(model, tmp_path / "models" / "model.joblib")
    loaded = load_model(tmp_path / "models" / "model.joblib")
    features = toy_frame.drop(columns=[TARGET])
    assert np.array_equal(loaded.predict_proba(features), model.predict_proba(features))


def test_estimators_without_probabilities_are_refused() -> None:
    with pytest.raises(ValueError, match="no predict_proba"):
        SklearnClassifier(LinearSVC(), FeaturesConfig())


def test_a_model_config_without_target_is_refused() -> None:
    with pytest.raises(ValueError, match="_target_"):
        build_model({"C": 1.0}, FeaturesConfig())


def test_loading_a_missing_model_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make pipeline"):
        load_model(tmp_path / "absent.joblib")
