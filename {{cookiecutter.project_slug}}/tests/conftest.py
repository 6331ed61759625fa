"""Fixtures: the bundled sample data, and fast configurations writing to temporary folders."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import pipeline
from {{ cookiecutter.package_name }}.config import Config, compose_config, to_config
from {{ cookiecutter.package_name }}.data import ROW_ID
from {{ cookiecutter.package_name }}.sample_data import TARGET, load_sample
from {{ cookiecutter.package_name }}.schema import infer_schema, schema_text

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _run_from_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths in configs/ are relative to the project root, as for DVC."""
    monkeypatch.chdir(PROJECT_ROOT)


@pytest.fixture(scope="session")
def tracking_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One scratch MLflow store for the whole session (creating one takes a few seconds)."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlruns') / 'mlflow.db'}"


@pytest.fixture(scope="session", autouse=True)
def _track_to_scratch(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests record their runs in a scratch store, never in mlruns/ or a team server (when the
    project tracks with MLflow). Session-wide: shared runs such as :func:`smoke_run` are set up
    before any test's own fixtures."""
    with pytest.MonkeyPatch.context() as patch:
        if importlib.util.find_spec("mlflow") is not None:
            patch.setenv("MLFLOW_TRACKING_URI", request.getfixturevalue("tracking_store"))
        yield


@pytest.fixture(scope="session")
def sample_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled dataset as a raw CSV file, written the way `make data` writes it, and its
    schema beside it, written the way `make schema` writes it."""
    path = tmp_path_factory.mktemp("raw") / "sample.csv"
    frame = load_sample()
    frame.to_csv(path, index=False, lineterminator="\n")
    schema = schema_text(infer_schema(frame, TARGET), frame, path, TARGET)
    schema_of(path).write_text(schema, encoding="utf-8")
    return path


def schema_of(raw_csv: Path) -> Path:
    return raw_csv.with_suffix(".schema.yaml")


def on_sample(raw_csv: Path) -> list[str]:
    """Overrides that point the configured dataset at the bundled sample and its schema: the
    tests run on it whatever data the project uses, so they need no download and no DVC remote."""
    return [
        f"data.raw_path={raw_csv}",
        f"data.target={TARGET}",
        f"data.schema={schema_of(raw_csv)}",
    ]


def smoke_config(raw_csv: Path, out: Path, *overrides: str) -> Config:
    """The `smoke` experiment on ``raw_csv``, writing every output under ``out``."""
    return to_config(
        compose_config(["experiment=smoke", *on_sample(raw_csv), f"paths.root={out}", *overrides])
    )


@pytest.fixture(scope="session")
def smoke_run(sample_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of one smoke run of the whole pipeline, shared by the tests that read a run's
    outputs (they copy what they change): a linear model, which makes a few mistakes on the
    smoke sample, whatever configs/ selects. :func:`smoke_run_config` configures it."""
    out = tmp_path_factory.mktemp("smoke-run")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(PROJECT_ROOT)
        pipeline.run(smoke_run_config(sample_csv, out))
    return out


def smoke_run_config(raw_csv: Path, out: Path, *overrides: str) -> Config:
    """The configuration of :func:`smoke_run`, writing under ``out``."""
    return smoke_config(raw_csv, out, "model=logistic_regression", *overrides)


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
