"""`make keep`: a DVC experiment becomes the project's committed state, in configs/ as well as in
params.yaml, dvc.lock and the outputs, and a teammate's clone reproduces it. The generated
project's own tests cover the write-back of each kind of override and the refusals; this is
the flow a user runs, on the installed default project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.helpers import porcelain, trained
from tools.project import commit_all, run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("team")]

UP_TO_DATE = "Data and pipelines are up to date."


def exp(project: Path, env: dict[str, str], overrides: str) -> tuple[str, dict[str, float]]:
    """`make exp`: the new experiment's name (from the keep command it prints) and metrics."""
    shown = run(["make", "--no-print-directory", "exp", f"ARGS={overrides}"], project, env)
    last = shown.stdout.strip().splitlines()[-1]
    assert "make keep EXP=" in last, shown.stdout[-3000:]
    name = last.rsplit("make keep EXP=", 1)[1]
    assert f"[{name}]" in shown.stdout  # its row in the comparison table
    refs = run(["git", "for-each-ref", "--format=%(refname)", "refs/exps/"], project, env)
    (ref,) = [line for line in refs.stdout.split() if line.endswith(f"/{name}")]
    metrics = run(["git", "show", f"{ref}:reports/metrics.json"], project, env).stdout
    return name, json.loads(metrics)


def config(project: Path, name: str) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((project / "configs" / name).read_text())
    return loaded


def test_kept_experiments_are_the_committed_state_of_every_clone(
    default_project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    project = trained(default_project, env)
    if porcelain(project, env):  # the first run, when this test runs on its own
        commit_all(project, env, "First pipeline run")
    start = run(["git", "rev-parse", "HEAD"], project, env).stdout.strip()
    try:
        for overrides in ["model.C=0.1", "model=random_forest seed=7", "experiment=forest"]:
            name, metrics = exp(project, env, overrides)
            assert porcelain(project, env) == set()  # `make exp` leaves the workspace alone
            kept = run(["make", "--no-print-directory", "keep", f"EXP={name}"], project, env)
            assert kept.stdout.startswith(f"Kept experiment {name}: configs/ now composes")
            assert json.loads((project / "reports/metrics.json").read_text()) == metrics
            assert " M params.yaml" in porcelain(project, env)
            commit_all(project, env, f"Keep experiment {name} ({overrides})")
            again = run(["make", "pipeline"], project, env)
            assert UP_TO_DATE in again.stdout + again.stderr
            assert porcelain(project, env) == set()

        # Each kind of override went where a person would have written it.
        assert config(project, "model/logistic_regression.yaml")["C"] == 0.1
        main = config(project, "config.yaml")
        assert {"model": "random_forest"} in main["defaults"]  # type: ignore[operator]
        assert {"experiment": None} in main["defaults"]  # type: ignore[operator]
        assert main["seed"] == 7
        forest = config(project, "model/random_forest.yaml")
        assert (forest["n_estimators"], forest["max_depth"]) == (300, 8)
        assert forest["random_state"] == "${seed}"

        # The project's own tests pass, params.yaml = configs/ among them.
        run(["make", "test"], project, env)
        assert porcelain(project, env) == set()

        # A teammate clones, installs (dvc pull) and has the kept run, without re-running it.
        run(["make", "push"], project, env)
        clone = tmp_path / "clone"
        run(["git", "clone", "--quiet", str(project), str(clone)], tmp_path, env)
        run(["make", "install"], clone, env)
        status = run(["poetry", "run", "dvc", "status"], clone, env)
        assert UP_TO_DATE in status.stdout
        for path in ["reports/metrics.json", "params.yaml", "dvc.lock"]:
            assert (clone / path).read_text() == (project / path).read_text()
        again = run(["make", "pipeline"], clone, env)
        assert UP_TO_DATE in again.stdout + again.stderr
    finally:
        # The other tests of the group share the project: back to where it was, committed.
        run(["git", "reset", "--quiet", "--hard", start], project, env)
        run(["poetry", "run", "dvc", "checkout", "--quiet", "--force"], project, env)
    assert porcelain(project, env) == set()
