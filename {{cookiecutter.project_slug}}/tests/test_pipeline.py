"""Smoke test: the real pipeline, end to end, on the fast `smoke` experiment."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from {{ cookiecutter.package_name }} import data, evaluate, pipeline, train
from {{ cookiecutter.package_name }}.config import CONFIG_DIR, Config, ConfigError
from {{ cookiecutter.package_name }}.models import SklearnClassifier, load_model

from .conftest import on_sample, smoke_config

MODELS = sorted(path.stem for path in (CONFIG_DIR / "model").glob("*.yaml"))  # every model config


def test_smoke_run_writes_every_output_with_sane_metrics(config: Config) -> None:
    metrics = pipeline.run(config)
    assert set(metrics) == {"accuracy", "balanced_accuracy", "f1_macro", "roc_auc"}
    assert metrics["accuracy"] > 0.8  # the sample data is easy; far less means a broken pipeline
    assert json.loads(config.output("metrics").read_text()) == metrics
    for path in config.outputs().values():
        assert path.is_file(), path
    errors = pd.read_csv(config.output("errors"))
    assert len(errors) <= config.evaluation.n_errors
    assert (errors["actual"] != errors["predicted"]).all()


@pytest.mark.parametrize("model", MODELS)
def test_same_config_same_data_same_metrics(sample_csv: Path, tmp_path: Path, model: str) -> None:
    """Every random choice (split, sampling, the model) derives from the configured seed. The
    stages that make them run twice; the whole pipeline's run is the smoke test's."""

    def random_stages(out: Path) -> dict[str, float]:
        config = smoke_config(sample_csv, out, f"model={model}")
        for stage in (data, train, evaluate):
            stage.run(config)
        metrics: dict[str, float] = json.loads(config.output("metrics").read_text())
        return metrics

    first, second = random_stages(tmp_path / "first"), random_stages(tmp_path / "second")
    assert first == second
    for name in ("errors", "confusion", "roc"):
        first_file = smoke_config(sample_csv, tmp_path / "first").output(name)
        second_file = smoke_config(sample_csv, tmp_path / "second").output(name)
        assert first_file.read_bytes() == second_file.read_bytes()


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
    pipeline.main(
        [
            "experiment=smoke",
            *on_sample(sample_csv),
            "model=random_forest",
            "model.n_estimators=10",
            f"paths.root={tmp_path}",
        ]
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(config.output("metrics").read_text())
    model = load_model(config.output("model"))
    assert isinstance(model, SklearnClassifier)
    assert type(model.pipeline[-1]).__name__ == "RandomForestClassifier"


def test_a_missing_raw_file_fails_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"^error: raw data .* not found: run `make data`"):
        pipeline.main(
            ["experiment=smoke", f"data.raw_path={tmp_path / 'absent.csv'}", "paths=scratch"]
        )


def test_the_stages_are_those_of_dvc_yaml_in_order() -> None:
    stages = pipeline.stages()
    listed = yaml.safe_load(pipeline.DVC_FILE.read_text(encoding="utf-8"))["stages"]
    assert [stage.name for stage in stages] == list(listed)
    for stage in stages:
        assert f"python -m {stage.module} --params params.yaml" == listed[stage.name]["cmd"]
        assert stage.run is importlib.import_module(stage.module).run


@pytest.mark.parametrize(
    ("cmd", "message"),
    [
        ("bash make_figures.sh", r"stage extra runs bash make_figures.sh, not `python -m"),
        ("python -m no_such_module --params params.yaml", r"stage extra: No module named"),
        ("python -m json --params params.yaml", r"stage extra: json has no run\(config\)"),
    ],
)
def test_a_stage_the_pipeline_cannot_run_is_named_in_one_line(
    tmp_path: Path, cmd: str, message: str
) -> None:
    dvc_file = tmp_path / "dvc.yaml"
    dvc_file.write_text(f"stages:\n  extra:\n    cmd: {cmd}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as failure:
        pipeline.stages(dvc_file)
    assert "\n" not in str(failure.value)
