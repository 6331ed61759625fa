"""A `framework=pytorch` project, installed and run the way its users run it.

torch comes from its own explicit Poetry source, as in a real project; here that source is a
package index on loopback serving this machine's CPU wheel of torch (tools/torch_index.py), so
nothing of torch is downloaded. Its other packages come from the ordinary package index.
The wheel on disk is for Python 3.11, so the project is a 3.11 one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import (
    PIPELINE_OUTPUTS,
    assert_make_serve_answers_like_predict,
    porcelain,
)
from tools.project import commit_all, run
from tools.render import default_index_url, render
from tools.torch_index import find_torch_wheel, torch_index

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pytorch")]


@pytest.fixture(scope="module")
def torch_index_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if find_torch_wheel() is None:
        pytest.skip("no CPU wheel of torch in pip's find-links folders (tests never download it)")
    with torch_index(tmp_path_factory.mktemp("torch-index")) as url:
        yield url


@pytest.fixture(scope="module")
def pytorch_project(
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    env: dict[str, str],
    torch_index_url: str,
) -> Path:
    answers = {
        "framework": "pytorch",
        "python_version": "3.11",
        "package_index_url": default_index_url(),
        "torch_index_url": torch_index_url,
    }
    project = render("copier", template, tmp_path_factory.mktemp("pytorch"), answers)
    run(["make", "install"], project, env)
    commit_all(project, env, "Start from the ML template")
    return project


def test_a_pytorch_project_installs_lints_tests_and_runs_its_pipeline(
    pytorch_project: Path, env: dict[str, str]
) -> None:
    project = pytorch_project
    lock = (project / "poetry.lock").read_text(encoding="utf-8")
    assert 'name = "torch"' in lock and "+cpu" in lock
    assert "nvidia" not in lock  # the CPU build: none of CUDA's packages
    run(["make", "lint"], project, env)
    run(["make", "test"], project, env)
    run(["make", "pipeline"], project, env)
    assert porcelain(project, env) == PIPELINE_OUTPUTS
    tracked = run(["poetry", "run", "dvc", "ls", "--dvc-only", ".", "models"], project, env)
    assert set(tracked.stdout.split()) == {"model.joblib", "model.onnx", "run.json"}
    metrics = json.loads((project / "reports/metrics.json").read_text())
    assert metrics["accuracy"] > 0.9
    html = (project / "reports/report.html").read_text(encoding="utf-8")
    assert 'id="learning-curves"' in html and "<svg" in html
    # Every epoch's losses are in the model's MLflow run, one step per epoch.
    run_id = json.loads((project / "models/run.json").read_text())["run_id"]
    with sqlite3.connect(project / "mlruns/mlflow.db") as store:
        steps = store.execute(
            "SELECT step FROM metrics WHERE key = 'val_loss' AND run_uuid = ?", (run_id,)
        ).fetchall()
    assert len(steps) >= 2 and sorted(steps) == [(step,) for step in range(1, len(steps) + 1)]
    commit_all(project, env, "First pipeline run")


def test_make_exp_with_a_trainer_override(pytorch_project: Path, env: dict[str, str]) -> None:
    project = pytorch_project
    before = porcelain(project, env)
    shown = run(
        ["make", "--no-print-directory", "exp", "ARGS=trainer.max_epochs=3 trainer.batch_size=64"],
        project,
        env,
    )
    name = shown.stdout.strip().splitlines()[-1].rsplit("make keep EXP=", 1)[1]
    rows = json.loads(run(["poetry", "run", "dvc", "exp", "show", "--json"], project, env).stdout)
    baseline = next(row for row in rows if row["rev"] != "workspace")
    revs = [rev for exp in baseline["experiments"] or [] for rev in exp.get("revs") or []]
    params = next(rev["data"] for rev in revs if rev.get("name") == name)["params"]
    trainer = params["params.yaml"]["data"]["trainer"]
    assert (trainer["max_epochs"], trainer["batch_size"]) == (3, 64)
    assert porcelain(project, env) == before


def test_make_serve_answers_like_the_predict_command(
    pytorch_project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    project = pytorch_project
    run(["make", "pipeline"], project, env)
    assert_make_serve_answers_like_predict(project, env, tmp_path)
