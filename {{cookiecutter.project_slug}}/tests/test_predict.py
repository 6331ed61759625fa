from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import FeaturesConfig
from {{ cookiecutter.package_name }}.models import build_model, save_model
from {{ cookiecutter.package_name }}.predict import main, predict
from {{ cookiecutter.package_name }}.sample_data import TARGET


@pytest.fixture
def model_file(toy_frame: pd.DataFrame, tmp_path: Path) -> Path:
    model = build_model({"_target_": "sklearn.linear_model.LogisticRegression"}, FeaturesConfig())
    model.fit(toy_frame.drop(columns=[TARGET]), toy_frame[TARGET])
    save_model(model, tmp_path / "model.joblib")
    return tmp_path / "model.joblib"


def test_predictions_carry_label_and_class_probabilities(
    toy_frame: pd.DataFrame, model_file: Path, tmp_path: Path
) -> None:
    toy_frame.drop(columns=[TARGET]).to_csv(tmp_path / "new.csv", index=False)
    main([str(tmp_path / "new.csv"), str(tmp_path / "out.csv"), "--model", str(model_file)])
    table = pd.read_csv(tmp_path / "out.csv")
    assert list(table.columns) == ["predicted", "probability_large", "probability_small"]
    assert list(table["predicted"]) == list(toy_frame[TARGET])
    assert ((table["probability_large"] + table["probability_small"]).round(9) == 1).all()


def test_predict_keeps_the_input_index(toy_frame: pd.DataFrame, model_file: Path) -> None:
    from {{ cookiecutter.package_name }}.models import load_model

    features = toy_frame.drop(columns=[TARGET]).iloc[3:5]
    assert list(predict(load_model(model_file), features).index) == [3, 4]


def test_an_existing_output_is_never_overwritten(model_file: Path, tmp_path: Path) -> None:
    (tmp_path / "out.csv").write_text("keep me")
    with pytest.raises(SystemExit):
        main([str(tmp_path / "in.csv"), str(tmp_path / "out.csv"), "--model", str(model_file)])
    assert (tmp_path / "out.csv").read_text() == "keep me"


def test_missing_columns_fail_with_one_line(model_file: Path, tmp_path: Path) -> None:
    pd.DataFrame({"weight": [1.0]}).to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(SystemExit, match=r"^error: "):
        main([str(tmp_path / "in.csv"), str(tmp_path / "out.csv"), "--model", str(model_file)])
