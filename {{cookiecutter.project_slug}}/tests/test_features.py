from __future__ import annotations

import numpy as np
import pandas as pd

from {{ cookiecutter.package_name }}.config import FeaturesConfig
from {{ cookiecutter.package_name }}.features import build_features
from {{ cookiecutter.package_name }}.sample_data import TARGET


def test_numeric_columns_are_standardised_and_categories_one_hot(toy_frame: pd.DataFrame) -> None:
    features = build_features(FeaturesConfig(scale_numeric=True))
    out = features.fit_transform(toy_frame.drop(columns=[TARGET]))
    names = list(features.get_feature_names_out())
    assert names == ["size", "colour_blue", "colour_red"]
    size = out[:, 0]
    assert np.isclose(size.mean(), 0.0) and np.isclose(size.std(), 1.0)
    assert set(np.unique(out[:, 1:])) == {0.0, 1.0}


def test_scaling_can_be_switched_off(toy_frame: pd.DataFrame) -> None:
    features = build_features(FeaturesConfig(scale_numeric=False))
    out = features.fit_transform(toy_frame.drop(columns=[TARGET]))
    assert list(out[:, 0]) == list(toy_frame["size"])


def test_unseen_categories_do_not_fail(toy_frame: pd.DataFrame) -> None:
    features = build_features(FeaturesConfig())
    features.fit(toy_frame.drop(columns=[TARGET]))
    out = features.transform(pd.DataFrame({"size": [3.0], "colour": ["green"]}))
    assert list(out[0, 1:]) == [0.0, 0.0]
