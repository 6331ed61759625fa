"""Smoke test: the real pipeline, end to end, on the fast `smoke` experiment."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import pipeline
from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.models import SklearnClassifier, load_model

from .conftest import on_sample, smoke_config


def test_smoke_run_writes_every_output_with_sane_metrics(config: Config) -> None:
    metrics = pipeline.run(config)
    assert set(metrics) == {"accuracy", "balanced_accuracy", "f1_macro", "roc_auc"}
    assert metrics["accuracy"] > 0.8  # the sample data is easy; far less means a broken pipeline
    assert json.loads(Path(config.paths.metrics).read_text()) == metrics
    for path in vars(config.paths).values():
        assert Path(path).is_file(), path
    errors = pd.read_csv(config.paths.errors)
    assert len(errors) <= config.evaluation.n_errors
    assert (errors["actual"] != errors["predicted"]).all()


@pytest.mark.parametrize("model", ["logistic_regression", "random_forest"])
def test_same_config_same_data_same_metrics(sample_csv: Path, tmp_path: Path, model: str) -> None:
    """Every random choice (split, sampling, the model) derives from the configured seed."""
    first = pipeline.run(smoke_config(sample_csv, tmp_path / "first", f"model={model}"))
    second = pipeline.run(smoke_config(sample_csv, tmp_path / "second", f"model={model}"))
    assert first == second
    outputs = ("errors", "confusion", "roc")
    for name in outputs:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


def test_multirun_is_a_sweep(sample_csv: Path, tmp_path: Path) -> None:
    """``-m`` runs the sweep of sweep.py (``make sweep``): one job folder per combination."""
    with pytest.raises(SystemExit) as stop:
        pipeline.main(
            [
                "-m",
                "experiment=smoke",
                *on_sample(sample_csv),
                "seed=1,2",
                f"hydra.sweep.dir={tmp_path}",
            ]
        )
    assert stop.value.code == 0
    for job in ("0", "1"):
        assert json.loads((tmp_path / job / "result.json").read_text())["status"] == "ok"


def test_command_line_takes_hydra_overrides(
    sample_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = smoke_config(sample_csv, tmp_path)
    overrides = [f"paths.{name}={value}" for name, value in vars(config.paths).items()]
    pipeline.main(
        [
            "experiment=smoke",
            *on_sample(sample_csv),
            "model=random_forest",
            "model.n_estimators=10",
            *overrides,
        ]
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(Path(config.paths.metrics).read_text())
    model = load_model(Path(config.paths.model))
    assert isinstance(model, SklearnClassifier)
    assert type(model.pipeline[-1]).__name__ == "RandomForestClassifier"


def test_a_missing_raw_file_fails_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"^error: raw data .* not found: run `make data`"):
        pipeline.main(
            ["experiment=smoke", f"data.raw_path={tmp_path / 'absent.csv'}", "paths=scratch"]
        )
