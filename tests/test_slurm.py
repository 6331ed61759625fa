"""A real single-node SLURM cluster (tools/slurm.py, Debian's slurmctld, slurmd and munge), started
and stopped by the tests: a job submitted with submitit, as Hydra's submitit launcher does.

Needs root (the daemons run as root) and the Debian packages, which the fixture installs with
apt-get when they are missing (`.ci/run` installs them in CI). Without root or apt-get the tests
are skipped, saying why; in CI (CI=true) they fail instead, so that CI cannot pass without them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import submitit

from tools.project import project_env
from tools.slurm import PARTITION, Cluster, ClusterUnavailable, cluster, install, unavailable_reason

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("slurm")]


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
        print(f"SLURM cluster started in {time.perf_counter() - start:.2f} s")
        yield running
        stop = time.perf_counter()
    print(f"SLURM cluster stopped in {time.perf_counter() - stop:.2f} s")


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
