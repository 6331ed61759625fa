"""Fixtures: the bundled sample data, and fast configurations writing to temporary folders."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import Config, compose_config, to_config
from {{ cookiecutter.package_name }}.data import ROW_ID
from {{ cookiecutter.package_name }}.sample_data import TARGET, load_sample

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _run_from_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths in configs/ are relative to the project root, as for DVC."""
    monkeypatch.chdir(PROJECT_ROOT)


@pytest.fixture(scope="session")
def tracking_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One scratch MLflow store for the whole session (creating one takes a few seconds)."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlruns') / 'mlflow.db'}"


@pytest.fixture(autouse=True)
def _track_to_scratch(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Tests record their runs in a scratch store, never in mlruns/ or a team server (when the
    project tracks with MLflow)."""
    if importlib.util.find_spec("mlflow") is not None:
        monkeypatch.setenv("MLFLOW_TRACKING_URI", request.getfixturevalue("tracking_store"))


@pytest.fixture(scope="session")
def sample_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled dataset as a raw CSV file, written the way `make data` writes it."""
    path = tmp_path_factory.mktemp("raw") / "sample.csv"
    load_sample().to_csv(path, index=False, lineterminator="\n")
    return path


def on_sample(raw_csv: Path) -> list[str]:
    """Overrides that point the configured dataset at the bundled sample: the tests run on it
    whatever data the project uses, so they need no download and no DVC remote."""
    return [f"data.raw_path={raw_csv}", f"data.target={TARGET}"]


def smoke_config(raw_csv: Path, out: Path, *overrides: str) -> Config:
    """The `smoke` experiment on ``raw_csv``, writing every output under ``out``."""
    return to_config(
        compose_config(["experiment=smoke", *on_sample(raw_csv), f"paths.root={out}", *overrides])
    )


@pytest.fixture
def config(sample_csv: Path, tmp_path: Path) -> Config:
    return smoke_config(sample_csv, tmp_path)


@pytest.fixture
def toy_frame() -> pd.DataFrame:
    """Twelve rows, two classes, a numeric and a categorical column: easy to reason about."""
    frame = pd.DataFrame(
        {
            "size": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0],
            "colour": ["red", "red", "blue", "red", "blue", "red"] * 2,
            TARGET: ["small"] * 6 + ["large"] * 6,
        }
    )
    frame.index.name = ROW_ID
    return frame
