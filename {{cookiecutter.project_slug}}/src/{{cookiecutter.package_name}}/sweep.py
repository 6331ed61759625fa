"""Sweeps: the whole pipeline once per combination of Hydra overrides, on any Hydra launcher.

``make sweep ARGS="model.C=0.01,0.1,1 seed=1,2"`` runs this module with those overrides:
a Hydra multirun (``-m``) whose jobs each run every stage into their own folder,
``sweeps/<date>_<time>/<job number>/``, never into the outputs that DVC tracks. Where the jobs
run is Hydra's launcher: ``hydra/launcher=basic`` (one after another, the default), ``joblib``
(in parallel on this machine), or a cluster's (``configs/hydra/launcher/``).

A job never takes the sweep down with it: each one writes ``result.json`` (its overrides,
metrics or the error that stopped it, where it ran), and when the launcher returns, or fails,
the sweep's results are read back from the job folders. The summary (``summary.md``, printed
too) ranks the jobs by ``evaluation.metric``, names the failed ones and why, and gives the
command that makes the best job the project's state. With an experiment tracker, the sweep is
one parent run, and each job's training run is its child.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from {{ cookiecutter.package_name }} import pipeline
from {{ cookiecutter.package_name }}.config import (
    CONFIG_DIR,
    CONFIG_NAME,
    Config,
    to_config,
)
from {{ cookiecutter.package_name }}.tracker import SweepTracker, tracker_for

log = logging.getLogger(__name__)

# The presets in configs/hydra/launcher/ take the launchers' own names (joblib, ...), so Hydra
# checks them against the plugins' schemas, and says each time that this matching is deprecated:
# it is what the presets want, and it stays in hydra-core 1.3, which the project pins.
SCHEMA_MATCHING = r"(?s).*is validated against ConfigStore schema"
warnings.filterwarnings("ignore", message=SCHEMA_MATCHING)

SWEEPS_ROOT = Path("sweeps")
RESULT_FILE = "result.json"
SUMMARY_FILE = "summary.md"

JobWork = Callable[[Config, Path], Mapping[str, float]]


@dataclass
class JobResult:
    """What one job of a sweep did, as written to its folder's ``result.json``."""

    job: str  # the job's folder name: its number in the sweep
    overrides: list[str]
    status: str  # "ok", "failed", or "missing" (no result: cancelled, killed, timed out)
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    host: str | None = None
    slurm_job_id: str | None = None
    run_id: str | None = None  # the job's training run in the experiment tracker
    seconds: float | None = None


def one_line(error: BaseException) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())


def redirect(config: Config, folder: Path) -> Config:
    """The same configuration, every output written to ``folder``."""
    return pipeline.in_folder(config, folder)


def run_job(raw: DictConfig, work: JobWork) -> dict[str, Any]:
    """Run one job of a sweep in its Hydra output folder; record what happened there.

    Every error is caught and recorded (with its traceback in the job's log), so that the
    launcher goes on with the other jobs."""
    hydra_config = HydraConfig.get()
    folder = Path(hydra_config.runtime.output_dir)
    result = JobResult(
        job=folder.name,
        overrides=list(hydra_config.overrides.task),
        status="failed",
        host=socket.gethostname(),
        slurm_job_id=os.environ.get("SLURM_JOB_ID"),
    )
    started = time.perf_counter()
    config: Config | None = None
    try:
        config = redirect(to_config(raw), folder)
        result.metrics = dict(work(config, folder))
        result.status = "ok"
    except Exception as error:  # a job's failure is recorded, not raised
        result.error = one_line(error)
        log.error("job %s failed: %s\n%s", result.job, result.error, traceback.format_exc())
    # The job's training run, if it got that far (the tracker's run_info output).
    if config is not None and "run_info" in config.paths and config.output("run_info").is_file():
        run_info = json.loads(config.output("run_info").read_text(encoding="utf-8"))
        result.run_id = run_info.get("run_id")
    result.seconds = round(time.perf_counter() - started, 3)
    (folder / RESULT_FILE).write_text(json.dumps(asdict(result), indent=2) + "\n")
    return asdict(result)


def read_results(folder: Path) -> list[JobResult]:
    """Every job of the sweep in ``folder``: its result, or what its folder says of it."""
    results = []
    for job in sorted((p for p in folder.iterdir() if p.name.isdigit()), key=lambda p: int(p.name)):
        written = job / RESULT_FILE
        if written.is_file():
            results.append(JobResult(**json.loads(written.read_text(encoding="utf-8"))))
            continue
        overrides_file = job / ".hydra" / "overrides.yaml"
        overrides: Any = OmegaConf.load(overrides_file) if overrides_file.is_file() else []
        results.append(
            JobResult(
                job=job.name,
                overrides=[str(item) for item in overrides],
                status="missing",
                error="no result: the job was cancelled, killed or timed out "
                f"(its log: {job}/, and the launcher's)",
            )
        )
    return results


def ranked(results: Sequence[JobResult], metric: str, maximize: bool = True) -> list[JobResult]:
    """Jobs with the metric first, best first; then the failed ones, in job order."""
    scored = [result for result in results if metric in result.metrics]
    scored.sort(key=lambda result: result.metrics[metric], reverse=maximize)
    return scored + [result for result in results if metric not in result.metrics]


def keep_command(overrides: Sequence[str]) -> str:
    """The commands that make a job's configuration the project's state, through DVC."""
    arguments = " ".join(overrides)
    return f'make exp ARGS="{arguments}"   then   make keep EXP=<the experiment it names>'


def summary_table(results: Sequence[JobResult], metric: str) -> str:
    """The jobs as a Markdown table, in the order given."""
    names = sorted({name for result in results for name in result.metrics})
    names.sort(key=lambda name: name != metric)  # the ranking metric first
    header = ["job", "status", *names, "overrides", "where"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for result in results:
        where = result.host or ""
        if result.slurm_job_id:
            where += f" (SLURM job {result.slurm_job_id})"
        values = [str(result.metrics.get(name, "")) for name in names]
        row = [result.job, result.status, *values, " ".join(result.overrides), where]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def failures(results: Sequence[JobResult]) -> list[str]:
    return [f"job {r.job} ({' '.join(r.overrides)}): {r.error}" for r in results if r.error]


def write_summary(
    folder: Path,
    title: str,
    results: Sequence[JobResult],
    metric: str,
    best: JobResult | None,
    extra: Sequence[str] = (),
    best_label: str = "",
) -> Path:
    """Write the sweep's summary to its folder (``summary.md`` and ``summary.json``), print it."""
    lines = [f"# {title}", "", f"{folder}: {len(results)} jobs, ranked by {metric}.", ""]
    lines += [summary_table(results, metric), ""]
    failed = failures(results)
    if failed:
        lines += [f"Failed jobs ({len(failed)}):", *(f"- {line}" for line in failed), ""]
    lines += list(extra)
    computed = sorted({name for result in results for name in result.metrics})
    if best is None and computed:
        lines.append(f"No job has a {metric} (jobs give {', '.join(computed)}): nothing to keep.")
    elif best is None:
        lines.append(f"No job has a {metric}: nothing to keep.")
    else:
        lines += [
            f"Best: {best_label or 'job ' + best.job}, {metric} = {best.metrics[metric]}: "
            + " ".join(best.overrides),
            "",
            "Keep it (a tracked DVC experiment, then the project's state):",
            "",
            f"    {keep_command(best.overrides)}",
        ]
    text = "\n".join(lines) + "\n"
    (folder / SUMMARY_FILE).write_text(text, encoding="utf-8")
    records = {
        "metric": metric,
        "best": asdict(best) if best else None,
        "jobs": [asdict(r) for r in results],
    }
    (folder / "summary.json").write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
    print(text)
    return folder / SUMMARY_FILE


def without_hydra(config: DictConfig) -> Config:
    """The job configuration in a Hydra configuration that holds a ``hydra`` node too."""
    return to_config(OmegaConf.masked_copy(config, [str(key) for key in config if key != "hydra"]))


def ranking_metric(folder: Path) -> str:
    """The metric that ranks the jobs of the sweep in ``folder``: its ``evaluation.metric``."""
    config = OmegaConf.load(folder / "multirun.yaml")
    assert isinstance(config, DictConfig)
    return without_hydra(config).evaluation.metric


# The tracker of the running sweep, when it groups sweeps (tracker.SweepTracker): set by
# ParentRun, in this process, before the first job starts; used to close the sweep's run.
_sweep_tracker: SweepTracker | None = None


class ParentRun(Callback):
    """Opens the sweep's run in the experiment tracker before the first job starts."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        global _sweep_tracker
        tracker = tracker_for(without_hydra(config))
        if isinstance(tracker, SweepTracker):
            _sweep_tracker = tracker
            tracker.start_sweep(Path(config.hydra.sweep.dir), list(config.hydra.overrides.task))


def multirun(task: Callable[[DictConfig], Any], arguments: Sequence[str]) -> str | None:
    """Run ``task`` as a Hydra app over ``configs/``, a multirun unless ``arguments`` hold
    Hydra's own flags (``--help``, ``--cfg job``); return why it stopped early, if it did (Hydra
    has printed its error)."""
    argv = sys.argv
    flags = any(argument.startswith("-") for argument in arguments)
    sys.argv = [argv[0], *([] if flags else ["--multirun"]), *arguments]
    try:
        with warnings.catch_warnings():  # the same filter as above, wherever the caller set others
            warnings.filterwarnings("ignore", message=SCHEMA_MATCHING)
            hydra.main(
                config_path=str(CONFIG_DIR.resolve()), config_name=CONFIG_NAME, version_base="1.3"
            )(task)()
    except SystemExit as stop:  # Hydra exits 1 after printing what went wrong
        return None if stop.code in (0, None) else f"the sweep stopped early (exit {stop.code})"
    except KeyboardInterrupt:  # Ctrl-C: what the finished jobs wrote is summarized
        return "interrupted (Ctrl-C)"
    except Exception as error:  # Hydra raises, not exits, under a debugger or coverage
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(f"error: {one_line(error)}", file=sys.stderr)
        return f"the sweep stopped early ({one_line(error)})"
    finally:
        sys.argv = argv
    return None


def sweep_folder(overrides: Sequence[str]) -> tuple[Path, list[str]]:
    """Where the sweep writes (``hydra.sweep.dir=...`` if given), and the overrides for Hydra."""
    for override in overrides:
        if override.startswith("hydra.sweep.dir="):
            return Path(override.split("=", 1)[1]), list(overrides)
    folder = SWEEPS_ROOT / time.strftime("%Y-%m-%d_%H-%M-%S")
    return folder, [*overrides, f"hydra.sweep.dir={folder}"]


def with_tracking(overrides: Sequence[str]) -> list[str]:
    return [*overrides, f"+hydra.callbacks.parent_run._target_={__name__}.ParentRun"]


def close_parent_run(
    folder: Path,
    results: Sequence[JobResult],
    metric: str,
    best: JobResult | None,
    failed: Sequence[str],
) -> None:
    """Close the sweep's run in the tracker, if it opened one."""
    global _sweep_tracker
    tracker, _sweep_tracker = _sweep_tracker, None
    if tracker is not None:
        tracker.finish_sweep(
            folder,
            [asdict(result) for result in results],
            metric,
            asdict(best) if best else None,
            failed,
        )


def finish(
    folder: Path,
    title: str,
    results: list[JobResult],
    metric: str,
    stopped: str | None,
    best: JobResult | None,
    extra: Sequence[str] = (),
    best_label: str = "",
) -> int:
    """Write the summary and close the sweep's run; the exit status: 1 if a job failed, or none
    has the metric."""
    notes = list(extra)
    if stopped:
        notes.insert(0, f"The launcher reported an error: {stopped} (its message is above).")
    failed = failures(results)
    write_summary(folder, title, results, metric, best, notes, best_label)
    close_parent_run(folder, results, metric, best, failed + ([stopped] if stopped else []))
    return 1 if failed or stopped or best is None else 0


def pipeline_job(raw: DictConfig) -> dict[str, Any]:
    """One job of ``make sweep``: every stage of the pipeline."""
    return run_job(raw, lambda config, _folder: pipeline.run(config))


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(arg.startswith("-") for arg in args):  # --help, --cfg, ...: Hydra's own
        multirun(pipeline_job, args)
        return
    folder, overrides = sweep_folder(args)
    stopped = multirun(pipeline_job, with_tracking(overrides))
    if not (folder / "multirun.yaml").is_file():  # stopped before its first job
        close_parent_run(folder, [], "", None, [stopped or "the sweep did not start"])
        sys.exit("make sweep: no job ran (Hydra's message is above)")
    metric = ranking_metric(folder)
    results = read_results(folder)
    best = next(iter(ranked(results, metric)), None)
    best = best if best and metric in best.metrics else None
    sys.exit(finish(folder, "Sweep", ranked(results, metric), metric, stopped, best))


if __name__ == "__main__":
    main()
