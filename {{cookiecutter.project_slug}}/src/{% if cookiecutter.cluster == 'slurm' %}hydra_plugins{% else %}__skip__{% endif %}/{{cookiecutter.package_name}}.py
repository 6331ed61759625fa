"""Hydra's submitit launchers (SLURM, and local processes), waiting for every job of a sweep.

The plugin's own launchers (hydra-submitit-launcher 1.2) collect the jobs' results in order and
stop at the first job that ended without one (cancelled with scancel, out of time or memory, its
node lost): the sweep then fails while the other jobs still run, and their results are never
collected. These wait for every job, and report one that ended without a result as a failed job
(Hydra's JobReturn with status FAILED), with SLURM's state and its log, as Hydra reports a job
whose code raised; the sweep's summary then names it and keeps the others' results.

configs/hydra/launcher/submitit_*.yaml select them. Hydra takes launchers from the
`hydra_plugins` namespace package only, hence this module's place.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import submitit
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, filter_overrides
from hydra_plugins.hydra_submitit_launcher import submitit_launcher
from omegaconf import OmegaConf
from submitit.core.utils import FailedJobError, UncompletedJobError

log = logging.getLogger(__name__)

# The presets share their names with the plugin's schemas, so Hydra merges them onto those: every
# other setting keeps its default and its type check. Hydra 1.3 warns on each run that this
# matching is deprecated; it is what the presets rely on (hydra-core stays below 1.4).
warnings.filterwarnings(
    "ignore",
    message=r"\s*'hydra/launcher/submitit_\w+' is validated against ConfigStore schema",
    category=UserWarning,
)


class JobEndedWithoutResult(RuntimeError):
    """A job ended without a result: cancelled, out of time or memory, or its node lost."""


def collect(job: submitit.Job[Any], overrides: Sequence[str]) -> JobReturn:
    """The job's result, once it has ended; a failed JobReturn when it ended without one."""
    try:
        [result] = job.results()  # one task per job of an array
    except FailedJobError as error:  # raised in the job, outside the task (its traceback)
        return JobReturn(overrides=list(overrides), status=JobStatus.FAILED, _return_value=error)
    except UncompletedJobError:
        failure = JobEndedWithoutResult(
            f"job {job.job_id} ended {job.state} without a result; its log: {job.paths.stderr}"
        )
        return JobReturn(overrides=list(overrides), status=JobStatus.FAILED, _return_value=failure)
    assert isinstance(result, JobReturn)
    return result


class WaitForEveryJob(submitit_launcher.BaseSubmititLauncher):  # type: ignore[misc]
    """The plugin's launch (1.2.0), but the jobs' results are collected by `collect`."""

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        assert self.config is not None
        params: dict[str, Any] = dict(self.params)
        init_params = {"folder": params.pop("submitit_folder")}
        if "max_num_timeout" in params:
            init_params[f"{self._EXECUTOR}_max_num_timeout"] = params.pop("max_num_timeout")
        executor = submitit.AutoExecutor(cluster=self._EXECUTOR, **init_params)
        # The settings every executor has keep their names; the others (SLURM's partition,
        # gres, ...) take the executor's prefix, as the plugin does.
        shared = set(OmegaConf.structured(submitit_launcher.BaseQueueConf).keys())
        executor.update_parameters(
            **{
                name if name in shared else f"{self._EXECUTOR}_{name}": value
                for name, value in params.items()
            }
        )
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        log.info(f"Submitit '{self._EXECUTOR}' sweep output dir : {sweep_dir}")
        sweep_dir.mkdir(parents=True, exist_ok=True)
        if "mode" in self.config.hydra.sweep:
            sweep_dir.chmod(int(str(self.config.hydra.sweep.mode), 8))
        job_params = []
        for number, overrides in enumerate(job_overrides, start=initial_job_idx):
            log.info(f"\t#{number} : {' '.join(filter_overrides(overrides))}")
            job_params.append(
                (
                    list(overrides),
                    "hydra.sweep.dir",
                    number,
                    f"job_id_for_{number}",
                    Singleton.get_state(),
                )
            )
        jobs = executor.map_array(self, *zip(*job_params, strict=True))
        return [collect(job, overrides) for job, overrides in zip(jobs, job_overrides, strict=True)]


class SlurmLauncher(WaitForEveryJob, submitit_launcher.SlurmLauncher):  # type: ignore[misc]
    """Each job a task of a SLURM job array: hydra/launcher=submitit_slurm."""


class LocalLauncher(WaitForEveryJob, submitit_launcher.LocalLauncher):  # type: ignore[misc]
    """Each job a process on this machine, as submitit runs it on SLURM: submitit_local."""
