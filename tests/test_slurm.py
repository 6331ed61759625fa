"""A real single-node SLURM cluster (tools/slurm.py, Debian's slurmctld, slurmd and munge), started
and stopped by the tests: a job submitted with submitit, as Hydra's submitit launcher does; then a
cluster=slurm project (MLflow on) runs `make sweep` and `make tune` on it with
`hydra/launcher=submitit_slurm`, loses nothing to a cancelled job, and records in MLflow which
SLURM job ran each of its jobs.

Needs root (the daemons run as root) and the Debian packages, which the fixture installs with
apt-get when they are missing (`.ci/run` installs them in CI). Without root or apt-get the tests
are skipped, saying why; in CI (CI=true) they fail instead, so that CI cannot pass without them.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import submitit
import yaml

from tools.project import commit_all, project_env, run
from tools.render import default_index_url, render
from tools.slurm import PARTITION, Cluster, ClusterUnavailable, cluster, install, unavailable_reason

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("slurm")]

TIMINGS: dict[str, str] = {}


def start_cluster() -> Iterator[Cluster]:
    """A started cluster, or a skip (a failure in CI) that says why there can be none."""
    reason = unavailable_reason()
    if reason is None:
        try:
            install()
        except (ClusterUnavailable, OSError) as error:
            reason = f"cannot install {error}"
    if reason is not None:
        message = f"no SLURM cluster here: {reason}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    start = time.perf_counter()
    with cluster(project_env()) as running:
        TIMINGS["cluster start"] = f"{time.perf_counter() - start:.2f} s"
        yield running
        stop = time.perf_counter()
    TIMINGS["cluster stop"] = f"{time.perf_counter() - stop:.2f} s"
    # Measurements, not checks (no wall-clock limit in a test): shown with `pytest -s`.
    print("\n".join(f"{key}: {value}" for key, value in TIMINGS.items()))


@pytest.fixture(scope="module")
def slurm() -> Iterator[Cluster]:
    yield from start_cluster()


def test_a_submitit_job_runs_on_the_cluster_and_returns(
    slurm: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # submitit calls sbatch, squeue and sacct with this process's environment.
    for name in ("SLURM_CONF", "PATH"):
        monkeypatch.setenv(name, slurm.env[name])
    executor = submitit.AutoExecutor(folder=tmp_path / "jobs", cluster="slurm")
    executor.update_parameters(slurm_partition=PARTITION, timeout_min=5, mem_gb=1, cpus_per_task=1)
    job = executor.submit(lambda: os.environ["SLURM_JOB_ID"])  # read inside the job
    assert job.result() == job.job_id  # the function ran inside that SLURM job
    assert slurm.job_states()[job.job_id] == "COMPLETED"
    # What submitit reads (through the sacct stand-in), asked now rather than from its cache.
    assert job.get_info(mode="force")["State"] == "COMPLETED"


# --- A cluster=slurm project on the cluster ----------------------------------------------------

# The project's MLflow runs, read with MLflow's own client in the project's environment.
RUNS = """\
import json, mlflow
from my_ml_project.config import compose_config
tracking = compose_config([]).tracking
mlflow.set_tracking_uri(tracking.uri)
runs = mlflow.search_runs(experiment_names=[tracking.experiment], output_format="list")
print(json.dumps([
    {"id": run.info.run_id, "status": run.info.status, "tags": run.data.tags} for run in runs
]))
"""


@dataclass
class SlurmProject:
    path: Path
    env: dict[str, str]  # the project's, as a client of the cluster (SLURM_CONF, sacct)

    def make(
        self, target: str, args: str, *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = ["make", "--no-print-directory", target, f"ARGS={args}"]
        return run(command, self.path, self.env, check=check)

    def timed(self, label: str, target: str, args: str, *, check: bool = True) -> str:
        start = time.perf_counter()
        output = self.make(target, args, check=check).stdout
        TIMINGS[label] = f"{time.perf_counter() - start:.1f} s"
        return output

    def runs(self) -> list[dict[str, Any]]:
        output = run(["poetry", "run", "python", "-c", RUNS], self.path, self.env).stdout
        runs: list[dict[str, Any]] = json.loads(output)
        return runs

    def sweeps(self) -> set[Path]:
        folder = self.path / "sweeps"
        return {path for path in folder.iterdir() if path.is_dir()} if folder.is_dir() else set()


@pytest.fixture(scope="module")
def slurm_project(
    slurm: Cluster, template: Path, tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]
) -> SlurmProject:
    """A cluster=slurm project with MLflow, installed where the cluster's node sees it (a login
    node and compute nodes sharing a filesystem)."""
    answers = {
        "cluster": "slurm",
        "serving": "none",  # the least to install beside what sweeps need
        "onnx_export": "no",
        "package_index_url": default_index_url(),
    }
    project = render("cookiecutter", template, tmp_path_factory.mktemp("slurm"), answers)
    start = time.perf_counter()
    run(["make", "install"], project, env)
    TIMINGS["make install (cluster=slurm)"] = f"{time.perf_counter() - start:.1f} s"
    commit_all(project, env, "Start from the ML template")
    return SlurmProject(project, slurm.client_env(env))


def new_sweep(project: SlurmProject, before: set[Path]) -> tuple[Path, dict[str, Any]]:
    [folder] = project.sweeps() - before
    summary: dict[str, Any] = json.loads((folder / "summary.json").read_text())
    return folder, summary


def children_of(runs: list[dict[str, Any]], folder: Path) -> tuple[dict[str, Any], list[Any]]:
    """The sweep's MLflow run and its child runs."""
    [parent] = [r for r in runs if r["tags"].get("sweep.folder") == f"sweeps/{folder.name}"]
    return parent, [r for r in runs if r["tags"].get("mlflow.parentRunId") == parent["id"]]


def test_a_sweep_runs_each_job_as_a_slurm_job_and_tracks_which(
    slurm: Cluster, slurm_project: SlurmProject
) -> None:
    before = slurm_project.sweeps()
    grid = "experiment=smoke model.C=0.1,1 seed=1,2"
    slurm_project.timed(
        "make sweep, 4 jobs, submitit_slurm", "sweep", f"{grid} hydra/launcher=submitit_slurm"
    )
    folder, summary = new_sweep(slurm_project, before)
    jobs = summary["jobs"]
    assert [job["status"] for job in jobs] == ["ok"] * 4
    assert (folder / "summary.md").is_file()
    # Every job ran as a job of this cluster, which says it completed; submitit kept its log.
    ran = {job.id: job for job in slurm.finished_jobs()}
    for job in jobs:
        slurm_job = ran[job["slurm_job_id"]]
        assert slurm_job.state == "COMPLETED"
        assert (folder / ".submitit" / slurm_job.name / f"{slurm_job.name}_0_log.out").is_file()
    # One MLflow run for the sweep; each job's training run is its child, tagged with its job.
    parent, children = children_of(slurm_project.runs(), folder)
    assert sorted(child["tags"]["slurm.job_id"] for child in children) == sorted(
        ran_ids := [job["slurm_job_id"] for job in jobs]
    )
    assert len(set(ran_ids)) == 4
    assert {run["status"] for run in [parent, *children]} == {"FINISHED"}

    # The same sweep in submitit's local processes (measured beside it; no SLURM job).
    before = slurm_project.sweeps()
    slurm_project.timed(
        "make sweep, 4 jobs, submitit_local", "sweep", f"{grid} hydra/launcher=submitit_local"
    )
    _, summary = new_sweep(slurm_project, before)
    assert [(job["status"], job["slurm_job_id"]) for job in summary["jobs"]] == [("ok", None)] * 4


def test_a_cancelled_job_is_named_failed_and_the_others_results_stay(
    slurm: Cluster, slurm_project: SlurmProject
) -> None:
    before = slurm_project.sweeps()
    known = {job.id for job in slurm.jobs()}
    sweep = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "sweep",
            "ARGS=experiment=smoke seed=1,2,3,4 hydra/launcher=submitit_slurm",
        ],
        cwd=slurm_project.path,
        env=slurm_project.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # The array's last task waits for a free core (2 cores, a job each): cancel it as it waits.
    array = None
    for _ in range(3000):
        new = [job for job in slurm.jobs() if job.id not in known]
        if new:
            array = new[0].name.split("_")[0]
            break
        assert sweep.poll() is None, sweep.stdout.read() if sweep.stdout else ""
        time.sleep(0.1)
    assert array is not None, "the sweep submitted nothing"
    slurm.run("scancel", f"{array}_3")
    output, _ = sweep.communicate(timeout=900)
    assert sweep.returncode != 0, output  # make sweep fails after the summary: a job failed

    folder, summary = new_sweep(slurm_project, before)
    by_job = {job["job"]: job for job in summary["jobs"]}
    assert [by_job[str(n)]["status"] for n in range(3)] == ["ok"] * 3
    cancelled = by_job["3"]
    assert cancelled["status"] == "missing"
    assert f"SLURM job {array}_3 ended CANCELLED without a result" in cancelled["error"]
    assert cancelled["overrides"] == ["experiment=smoke", "seed=4"]
    summary_text = (folder / "summary.md").read_text()
    assert f"SLURM job {array}_3 ended CANCELLED" in summary_text
    # The others' outputs stay, each under its own folder (the root of the project's paths).
    paths = yaml.safe_load((slurm_project.path / "configs/paths/default.yaml").read_text())
    for number in range(3):
        metrics = json.loads((folder / str(number) / paths["metrics"]).read_text())
        assert metrics == by_job[str(number)]["metrics"]
    # The sweep's run says which job failed; the finished jobs' runs are its children.
    parent, children = children_of(slurm_project.runs(), folder)
    assert parent["status"] == "FAILED"
    assert f"SLURM job {array}_3 ended CANCELLED" in parent["tags"]["sweep.failed"]
    assert sorted(child["tags"]["sweep.status"] for child in children) == [
        "missing",
        "ok",
        "ok",
        "ok",
    ]


def test_a_search_runs_its_trials_as_slurm_jobs(
    slurm: Cluster, slurm_project: SlurmProject
) -> None:
    before = slurm_project.sweeps()
    known = {job.id for job in slurm.jobs()}
    slurm_project.timed(
        "make tune, 3 trials (2 at a time), submitit_slurm",
        "tune",
        "experiment=smoke hydra.sweeper.n_trials=3 hydra.sweeper.n_jobs=2"
        " hydra/launcher=submitit_slurm",
    )
    folder, summary = new_sweep(slurm_project, before)
    study = json.loads((folder / "optuna.json").read_text())
    assert study["complete"] == 3
    trials = [job for job in summary["jobs"] if job["job"] != "best"]
    assert len(trials) == 3
    ran = {job.id: job.state for job in slurm.finished_jobs() if job.id not in known}
    assert {ran[trial["slurm_job_id"]] for trial in trials} == {"COMPLETED"}


def test_the_projects_own_launcher_tests_pass(slurm_project: SlurmProject) -> None:
    """The cluster=slurm project's tests of its launchers (local submitit jobs), which the
    template's other tests do not run; coverage is the whole suite's business."""
    command = ["poetry", "run", "pytest", "--no-cov", "-q", "tests/test_submitit_launchers.py"]
    run(command, slurm_project.path, slurm_project.env)
