"""Sweeps (``make sweep``): Hydra multiruns of the whole pipeline, on Hydra's launchers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }} import sweep
from {{ cookiecutter.package_name }}.config import compose_config, to_config

from .conftest import on_sample


def run_sweep(folder: Path, *overrides: str) -> object:
    """``make sweep`` in-process; its exit status (a message is status 1)."""
    with pytest.raises(SystemExit) as stop:
        sweep.main([*overrides, f"hydra.sweep.dir={folder}"])
    return stop.value.code


def output(job: Path, name: str) -> Path:
    """Where a job wrote its output ``name``: its folder is the root of every output."""
    return to_config(compose_config(["paths.root=" + str(job)])).output(name)


def summary(folder: Path) -> dict[str, Any]:
    written: dict[str, Any] = json.loads((folder / "summary.json").read_text())
    return written


@pytest.mark.parametrize(
    ("launcher", "seeds"),
    # joblib's workers start Python afresh: two jobs, one per worker, are enough to show them.
    [("basic", "1,2"), ("joblib", "1")],
)
def test_a_sweep_runs_each_combination_in_its_own_folder(
    sample_csv: Path,
    tmp_path: Path,
    launcher: str,
    seeds: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = run_sweep(
        tmp_path,
        "experiment=smoke",
        *on_sample(sample_csv),
        "model=logistic_regression",  # whatever configs/ holds now (make keep may change it)
        "model.C=0.001,1",
        f"seed={seeds}",
        f"hydra/launcher={launcher}",
    )
    assert status == 0
    jobs = summary(tmp_path)["jobs"]
    assert sorted(" ".join(job["overrides"][-2:]) for job in jobs) == sorted(
        f"model.C={c} seed={seed}" for c in ("0.001", "1") for seed in seeds.split(",")
    )
    for job in jobs:
        folder = tmp_path / job["job"]
        assert job["status"] == "ok"
        # Every output of the job is in its folder, and its metrics are the job's.
        assert json.loads(output(folder, "metrics").read_text()) == job["metrics"]
        assert output(folder, "model").is_file()
        assert output(folder, "report").is_file()
    # Ranked by evaluation.metric, best first; the best is what the summary offers to keep.
    metric = summary(tmp_path)["metric"]
    values = [job["metrics"][metric] for job in jobs]
    assert values == sorted(values, reverse=True)
    best = summary(tmp_path)["best"]
    assert best["metrics"][metric] == values[0]
    printed = capsys.readouterr().out
    assert (tmp_path / "summary.md").read_text() in printed
    assert f'make exp ARGS="{" ".join(best["overrides"])}"' in printed
    # The printed overrides compose the configuration the best job ran.
    kept = compose_config(best["overrides"])
    assert float(best["overrides"][-2].split("=")[1]) == kept.model.C


def test_a_failing_job_loses_nothing_and_is_named_with_its_error(
    sample_csv: Path, tmp_path: Path
) -> None:
    status = run_sweep(
        tmp_path,
        "experiment=smoke",
        *on_sample(sample_csv),
        "model=logistic_regression",
        "model.C=1,-1",
    )
    assert status == 1  # make sweep fails, after every job ran and the summary is written
    ok, failed = summary(tmp_path)["jobs"]
    assert ok["status"] == "ok"
    assert ok["overrides"][-1] == "model.C=1"
    assert json.loads(output(tmp_path / ok["job"], "metrics").read_text()) == ok["metrics"]
    assert failed["status"] == "failed"
    assert failed["error"].startswith("InvalidParameterError: The 'C' parameter")
    text = (tmp_path / "summary.md").read_text()
    assert "Failed jobs (1):" in text
    assert f"- job 1 ({' '.join(failed['overrides'])}): InvalidParameterError" in text
    assert summary(tmp_path)["best"]["job"] == ok["job"]


def test_a_job_that_left_no_result_is_reported_as_missing(tmp_path: Path) -> None:
    """A cancelled, killed or timed-out job writes nothing: its folder says which it was."""
    (tmp_path / "0" / ".hydra").mkdir(parents=True)
    (tmp_path / "0" / ".hydra" / "overrides.yaml").write_text("- seed=3\n")
    (tmp_path / "1").mkdir()
    metrics = {"m": 1.0}
    result = {"job": "1", "overrides": ["seed=4"], "status": "ok", "metrics": metrics}
    (tmp_path / "1" / "result.json").write_text(json.dumps(result))
    missing, finished = sweep.read_results(tmp_path)
    assert (missing.status, missing.overrides) == ("missing", ["seed=3"])
    assert missing.error is not None and "cancelled, killed or timed out" in missing.error
    assert finished.metrics == {"m": 1.0}
    assert sweep.ranked([missing, finished], "m") == [finished, missing]


def test_a_bad_override_stops_before_any_job_runs(tmp_path: Path) -> None:
    status = run_sweep(
        tmp_path, "experiment=smoke", "seed=1,", "model=logistic_regression", "model.C=1,2"
    )
    assert status == "make sweep: no job ran (Hydra's message is above)"
    assert list(tmp_path.iterdir()) == []
