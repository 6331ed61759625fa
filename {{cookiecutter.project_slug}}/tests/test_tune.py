"""Hyperparameter searches (``make tune``): Optuna through the project's Hydra sweeper."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import shutil
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from {{ cookiecutter.package_name }} import tune
from {{ cookiecutter.package_name }}.config import compose_config, to_config
from {{ cookiecutter.package_name }}.data import ROW_ID

from .conftest import PROJECT_ROOT, on_sample

# Hydra's plugins live in its namespace package, beside the project's package.
optuna_sweeper = importlib.import_module(f"hydra_plugins.{tune.__package__}_optuna.optuna_sweeper")


def run_search(sample_csv: Path, folder: Path, storage: Path, *overrides: str) -> object:
    """``make tune`` in-process on the smoke experiment; its exit status."""
    with pytest.raises(SystemExit) as stop:
        tune.main(
            [
                "+hparams_search=logistic_regression",
                "experiment=smoke",
                *on_sample(sample_csv),
                f"hydra.sweep.dir={folder}",
                f"hydra.sweeper.storage=sqlite:///{storage}",
                *overrides,
            ]
        )
    return stop.value.code


def study(folder: Path) -> dict[str, Any]:
    written: dict[str, Any] = json.loads((folder / "optuna.json").read_text())
    return written


def output(job: Path, name: str) -> Path:
    """Where a job wrote its output ``name``: its folder is the root of every output."""
    return to_config(compose_config(["paths.root=" + str(job)])).output(name)


def rows(path: Path) -> set[int]:
    return set(pd.read_csv(path, index_col=ROW_ID).index)


class Search(NamedTuple):
    folder: Path
    storage: Path  # the Optuna study
    printed: str


@pytest.fixture(scope="module")
def search(sample_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Search:
    """A search of three trials, shared by the tests below (they copy its study to add to it)."""
    root = tmp_path_factory.mktemp("tune")
    folder, storage = root / "search", root / "optuna.db"
    with pytest.MonkeyPatch.context() as patch, io.StringIO() as printed:
        patch.chdir(PROJECT_ROOT)
        with contextlib.redirect_stdout(printed):
            status = run_search(sample_csv, folder, storage, "hydra.sweeper.n_trials=3")
        assert status == 0
        return Search(folder, storage, printed.getvalue())


def test_trials_are_scored_on_validation_and_only_the_best_on_the_test_set(
    search: Search,
) -> None:
    folder, printed = search.folder, search.printed
    result = study(folder)
    assert (result["complete"], result["failed"]) == (3, 0)
    for trial in ("0", "1", "2"):
        job = folder / trial
        train, test = output(job, "train"), output(job, "test")
        fit, validation = rows(train.with_name("fit.csv")), rows(test.with_name("validation.csv"))
        # Both parts come from the training set; the test set is no part of a trial's score.
        assert fit | validation == rows(train)
        assert not fit & validation
        assert not (fit | validation) & rows(test)
        recorded = json.loads((job / "result.json").read_text())
        assert json.loads(output(job, "metrics").read_text()) == recorded["metrics"]
    best = result["best"]
    assert best["value"] == max(
        json.loads((folder / t / "result.json").read_text())["metrics"]["roc_auc"]
        for t in ("0", "1", "2")
    )
    # The best configuration ran the whole pipeline once, on the whole training set.
    tested = json.loads((folder / "best" / "result.json").read_text())
    assert tested["status"] == "ok"
    assert json.loads(output(folder / "best", "metrics").read_text()) == tested["metrics"]
    assert rows(output(folder / "best", "train")) == rows(output(Path(best["folder"]), "train"))
    assert tested["overrides"][0] == "model=logistic_regression"  # the search file's choice
    assert f"model.C={best['params']['model.C']}" in tested["overrides"]
    assert f'make exp ARGS="{" ".join(tested["overrides"])}"' in printed


def test_a_search_resumes_its_study_and_starts_over_when_told(
    sample_csv: Path, tmp_path: Path, search: Search
) -> None:
    storage = Path(shutil.copy(search.storage, tmp_path / "optuna.db"))
    assert study(search.folder)["complete"] == 3
    # The same study with more trials runs only the missing one.
    assert run_search(sample_csv, tmp_path / "2", storage, "hydra.sweeper.n_trials=4") == 0
    assert sorted(p.name for p in (tmp_path / "2").glob("[0-9]*")) == ["0"]
    assert study(tmp_path / "2")["complete"] == 4
    # fresh=true deletes the study first.
    fresh = ("hydra.sweeper.n_trials=1", "hydra.sweeper.fresh=true")
    assert run_search(sample_csv, tmp_path / "3", storage, *fresh) == 0
    assert study(tmp_path / "3")["complete"] == 1


def test_failed_trials_are_told_as_failed_and_named(sample_csv: Path, tmp_path: Path) -> None:
    folder = tmp_path / "search"
    status = run_search(
        sample_csv, folder, tmp_path / "optuna.db", "hydra.sweeper.n_trials=2", "model.C=choice(-1)"
    )
    assert status == 1  # nothing came out of it
    assert (study(folder)["complete"], study(folder)["failed"]) == (0, 2)
    text = (folder / "summary.md").read_text()
    assert "Failed jobs (2):" in text
    assert "InvalidParameterError: The 'C' parameter" in text
    assert "nothing to keep" in text


def test_the_search_space_takes_hydras_sweep_syntax() -> None:
    parser = OverridesParser.create()

    def space(text: str) -> object:
        return optuna_sweeper.distribution(parser.parse_override(text))

    assert space("a=interval(0.1, 1)") == FloatDistribution(0.1, 1.0)
    assert space("a=tag(log, interval(0.001, 100))") == FloatDistribution(0.001, 100.0, log=True)
    assert space("a=int(interval(1, 10))") == IntDistribution(1, 10)
    assert space("a=range(1, 10, 3)") == IntDistribution(1, 7, step=3)
    assert space("a=choice(x, y)") == CategoricalDistribution(["x", "y"])
    assert space("a=1,2") == CategoricalDistribution([1, 2])
    # ValueError: Hydra loads plugins afresh, so the class imported here may not be the raised one
    with pytest.raises(ValueError, match="a needs a search space"):
        space("a=glob(*)")
