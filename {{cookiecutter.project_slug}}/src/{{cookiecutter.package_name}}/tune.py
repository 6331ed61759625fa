"""Hyperparameter search: ``make tune``; ``SEARCH=<name>`` picks configs/hparams_search/<name>.yaml.

It runs this module with ``+hparams_search=<name>``: an Optuna search
(the project's Hydra sweeper, src/hydra_plugins/) whose trials are Hydra jobs on any launcher.
A trial never sees the test set: it splits the training set again, trains on one part and is
scored on the other (``hydra.sweeper.validation_size``). When the search ends, the best
configuration of the study runs the whole pipeline once, into ``<sweep folder>/best/``: its test
metrics are the search's result. The summary and the tracked runs are those of ``make sweep``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from {{ cookiecutter.package_name }} import data, evaluate, pipeline, sweep, train
from {{ cookiecutter.package_name }}.config import (
    CONFIG_DIR,
    Config,
    ConfigError,
    compose_config,
    to_config,
)

STUDY_FILE = "optuna.json"  # written by the sweeper into the sweep's folder


def score_on_validation(config: Config, folder: Path) -> Mapping[str, float]:
    """Prepare the data as the pipeline does, then train on part of the training set and score
    on the rest. The test set is written (the same split as always) but never read."""
    data.run(config)
    validation_size = float(HydraConfig.get().sweeper.validation_size)
    train_set = data.load_dataset(config.output("train"), config.data.target)
    fit, validation = data.split(train_set, validation_size, config.seed)
    # The train and evaluate stages, pointed at the two parts of the training set.
    config.paths["train"] = config.paths["train"].with_name("fit.csv")
    config.paths["test"] = config.paths["test"].with_name("validation.csv")
    data.save_dataset(fit, config.output("train"))
    data.save_dataset(validation, config.output("test"))
    train.run(config)
    return evaluate.run(config).metrics


def trial_job(raw: DictConfig) -> dict[str, Any]:
    """One trial of ``make tune``."""
    return sweep.run_job(raw, score_on_validation)


def _is_search(override: str) -> bool:
    return override.lstrip("+~").startswith("hparams_search=")


def configuration_of(overrides: Sequence[str]) -> list[str]:
    """The overrides that compose a trial's configuration without the search file: the groups
    the search file chooses (``override /model: random_forest``), then the trial's own."""
    chosen = []
    for override in filter(_is_search, overrides):
        path = CONFIG_DIR / "hparams_search" / f"{override.split('=', 1)[1]}.yaml"
        search = OmegaConf.load(path)
        assert isinstance(search, DictConfig)
        for entry in search.get("defaults", []):
            if isinstance(entry, DictConfig):
                for key, option in entry.items():
                    group = str(key).removeprefix("override").strip().strip("/")
                    if not group.startswith("hydra"):
                        chosen.append(f"{group}={option}")
    return chosen + [override for override in overrides if not _is_search(override)]


def test_best(folder: Path, overrides: list[str]) -> sweep.JobResult:
    """Run the whole pipeline on the best configuration, once: its test metrics."""
    best = folder / "best"
    result = sweep.JobResult(job="best", overrides=overrides, status="failed")
    try:
        config = sweep.redirect(to_config(compose_config(overrides)), best)
        result.metrics = pipeline.run(config)
        result.status = "ok"
    except (ConfigError, FileNotFoundError, ValueError) as error:
        result.error = sweep.one_line(error)
    best.mkdir(parents=True, exist_ok=True)
    (best / sweep.RESULT_FILE).write_text(json.dumps(result.__dict__, indent=2) + "\n")
    return result


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(arg.startswith("-") for arg in args):  # --help, --cfg, ...: Hydra's own
        sweep.multirun(trial_job, args)
        return
    if not any(arg.lstrip("+").startswith("hparams_search=") for arg in args):
        sys.exit("make tune: name a search: +hparams_search=<a file of configs/hparams_search/>")
    folder, overrides = sweep.sweep_folder(args)
    stopped = sweep.multirun(trial_job, sweep.with_tracking(overrides))
    study_file = folder / STUDY_FILE
    if not study_file.is_file():  # stopped before its first trial: Hydra said why
        sweep.close_parent_run(folder, [], "", None, [stopped or "the search did not start"])
        sys.exit(f"make tune: the search did not run ({stopped or 'see the messages above'})")
    study = json.loads(study_file.read_text(encoding="utf-8"))
    metric = study["metric"]
    searched = OmegaConf.load(folder / "multirun.yaml").hydra.sweeper
    results = sweep.ranked(
        sweep.read_results(folder), metric, maximize=searched.direction == "maximize"
    )
    lines = [
        f"Study {study['study']} ({study['storage']}): {study['complete']} trials complete, "
        f"{study['failed']} failed, over every run of it; {metric} on the validation split.",
        "",
    ]
    best_trial, tested = study["best"], None
    if best_trial is not None:
        lines.append(
            f"Best trial: {best_trial['trial']} ({best_trial['folder']}), "
            f"validation {metric} = {best_trial['value']}."
        )
        tested = test_best(folder, configuration_of(best_trial["overrides"]))
        if tested.status == "ok":
            lines.append(f"Its test metrics (the test set's only use): {tested.metrics}")
        else:
            lines.append(f"Its run on the test set failed: {tested.error}")
        lines.append("")
    status = sweep.finish(
        folder,
        f"Search {study['study']}",
        results,
        metric,
        stopped,
        tested if tested and tested.status == "ok" else None,
        lines,
        best_label="the best trial's configuration, on the test set",
    )
    # A search goes on past failed trials: it fails only when nothing came out of it.
    sys.exit(0 if tested is not None and tested.status == "ok" else max(status, 1))


if __name__ == "__main__":
    main()
