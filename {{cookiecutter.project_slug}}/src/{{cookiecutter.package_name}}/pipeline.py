"""The main pipeline: every stage, in order, in one process.

``dvc.yaml`` is the list of stages: DVC runs them one by one (``make pipeline``), caching each;
running this module is the direct way, with Hydra overrides (``experiment=smoke``), and runs
the same stages in the same order: each stage's ``cmd`` names its module
(``python -m <package>.<module> --params params.yaml``), whose ``run(config)`` is called here.
With ``-m`` (``--multirun``) it runs a sweep, one job per combination of values:
``-m model=logistic_regression,random_forest seed=1,2``.
"""

from __future__ import annotations

import importlib
import itertools
import json
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import ValueType
from hydra.errors import HydraException

from {{ cookiecutter.package_name }}.config import (
    ROOT_KEY,
    Config,
    ConfigError,
    compose_config,
    run_stage,
    to_config,
)

DVC_FILE = Path("dvc.yaml")
MULTIRUN_ROOT = Path("build/multirun")


@dataclass(frozen=True)
class Stage:
    name: str  # as in dvc.yaml
    module: str  # what its cmd runs with ``python -m``
    run: Callable[[Config], object]


def stages(dvc_file: Path = DVC_FILE) -> list[Stage]:
    """The stages of ``dvc_file``, in its order, each with its module's ``run``."""
    if not dvc_file.is_file():
        raise ConfigError(f"{dvc_file} not found: run the pipeline from the project's root")
    try:
        entries = (yaml.safe_load(dvc_file.read_text(encoding="utf-8")) or {}).get("stages")
    except (yaml.YAMLError, AttributeError) as error:
        reason = " ".join(str(error).split())
        raise ConfigError(f"{dvc_file} is not a DVC pipeline: {reason}") from error
    if not isinstance(entries, dict) or not entries:
        raise ConfigError(f"{dvc_file} has no stages")
    found = []
    for name, stage in entries.items():
        words = shlex.split(str(stage.get("cmd", "")) if isinstance(stage, dict) else "")
        if words[:2] != ["python", "-m"] or len(words) < 3:
            raise ConfigError(
                f"{dvc_file}: stage {name} runs {shlex.join(words) or 'nothing'}, not "
                "`python -m <module> --params params.yaml`: only such stages run in one process"
            )
        try:
            module = importlib.import_module(words[2])
        except ImportError as error:
            raise ConfigError(f"{dvc_file}: stage {name}: {error}") from error
        if not callable(getattr(module, "run", None)):
            raise ConfigError(f"{dvc_file}: stage {name}: {words[2]} has no run(config) function")
        found.append(Stage(name, words[2], module.run))
    return found


def run(config: Config) -> dict[str, float]:
    """Run every stage of dvc.yaml in order; return the metrics (``paths.metrics``)."""
    for stage in stages():
        stage.run(config)
    metrics: dict[str, float] = json.loads(config.output("metrics").read_text(encoding="utf-8"))
    return metrics


def sweep_jobs(overrides: Sequence[str]) -> list[list[str]]:
    """Expand a Hydra sweep into the override list of each job, with Hydra's own parser:
    ``model.C=0.1,1 seed=range(1,3)`` gives four jobs."""
    parser = OverridesParser.create()
    choices: list[list[str]] = []
    for line in overrides:
        try:
            [override] = parser.parse_overrides([line])
        except HydraException as error:
            raise ConfigError(f"{line}: {' '.join(str(error).split())}") from error
        if override.value_type == ValueType.GLOB_CHOICE_SWEEP:
            raise ConfigError(f"{line}: glob sweeps are not supported, list the values")
        if override.is_sweep_override():
            key = override.get_key_element()
            choices.append([f"{key}={value}" for value in override.sweep_string_iterator()])
        else:
            choices.append([line])
    return [list(job) for job in itertools.product(*choices)]


def in_folder(config: Config, folder: Path) -> Config:
    """The same configuration, with every output written under ``folder``."""
    config.paths[ROOT_KEY] = folder
    return config


def multirun(overrides: Sequence[str]) -> list[dict[str, float]]:
    """Run every job of a sweep, each writing to its own folder under build/multirun/."""
    jobs = sweep_jobs(overrides)
    # Every job's configuration is checked before the first one starts.
    configs = [to_config(compose_config(job)) for job in jobs]
    root = MULTIRUN_ROOT / time.strftime("%Y-%m-%d_%H-%M-%S")
    results = []
    for number, (job, config) in enumerate(zip(jobs, configs, strict=True)):
        print(f"job {number}: {' '.join(job)}", file=sys.stderr)
        metrics = run(in_folder(config, root / str(number)))
        print(json.dumps({"job": number, "overrides": job, "metrics": metrics}))
        results.append(metrics)
    return results


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-m"], ["--multirun"]):
        run_stage(
            [],
            "Run every stage for each combination of a Hydra sweep.",
            lambda _: multirun(args[1:]),
        )
    else:
        run_stage(
            args,
            "Run every stage of the pipeline, in order; -m/--multirun runs a Hydra sweep.",
            lambda config: print(json.dumps(run(config))),
        )


if __name__ == "__main__":
    main()
