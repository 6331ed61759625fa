from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.svm import LinearSVC

from {{ cookiecutter.package_name }}.config import FeaturesConfig
from {{ cookiecutter.package_name }}.models import (
    Classifier,
    DescribesItsInputs,
    SklearnClassifier,
    build_model,
    describe_inputs,
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
    assert isinstance(fitted(toy_frame), DescribesItsInputs)


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


def test_the_model_keeps_what_it_saw_of_its_inputs(toy_frame: pd.DataFrame, tmp_path: Path) -> None:
    model = fitted(toy_frame)
    save_model(model, tmp_path / "model.joblib")
    loaded = load_model(tmp_path / "model.joblib")
    assert isinstance(loaded, DescribesItsInputs)
    inputs = loaded.training_inputs
    size, colour = inputs.columns
    assert (size.name, size.kind, size.minimum, size.maximum) == ("size", "number", 1.0, 12.0)
    assert (colour.name, colour.kind, colour.categories) == ("colour", "text", ["red", "blue"])
    # A real row: the one nearest the median size (6.5; the first of the two nearest).
    assert inputs.example == {"size": 6.0, "colour": "red"}


def test_the_example_row_has_no_missing_value() -> None:
    features = pd.DataFrame(
        {"size": [5.0, np.nan, 1.0, 9.0], "colour": ["red", "blue", None, "blue"]}
    )
    inputs = describe_inputs(features, {"size": "number", "colour": "text"})
    assert inputs.example in [{"size": 5.0, "colour": "red"}, {"size": 9.0, "colour": "blue"}]
    assert (inputs.columns[0].minimum, inputs.columns[0].maximum) == (1.0, 9.0)
    assert inputs.columns[1].categories == ["blue", "red"]


def test_without_a_complete_row_the_example_is_made_of_medians_and_modes() -> None:
    features = pd.DataFrame({"size": [1.0, np.nan, 3.0], "colour": [None, "red", None]})
    inputs = describe_inputs(features, {"size": "number", "colour": "text"})
    assert inputs.example == {"size": 2.0, "colour": "red"}


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
