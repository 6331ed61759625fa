"""Feature transformations, fitted on the training set only (inside the model's pipeline)."""

from __future__ import annotations

from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from {{ cookiecutter.package_name }}.config import FeaturesConfig


def build_features(config: FeaturesConfig) -> ColumnTransformer:
    """Scale numeric columns and one-hot encode the others (categories unseen in training are
    ignored at prediction time instead of failing)."""
    numeric = StandardScaler() if config.scale_numeric else "passthrough"
    return ColumnTransformer(
        [
            ("numeric", numeric, make_column_selector(dtype_include="number")),
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore"),
                make_column_selector(dtype_exclude="number"),
            ),
        ],
        verbose_feature_names_out=False,
    )
