"""The main pipeline: every stage, in order, in one process.

``dvc.yaml`` runs the same stages one by one (``make pipeline``), caching each; running this
module is the direct way, with Hydra overrides (``experiment=smoke``). With ``-m``
(``--multirun``) it runs a sweep, one job per combination of values:
``-m model=logistic_regression,random_forest seed=1,2``.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import ValueType
from hydra.errors import HydraException

from {{ cookiecutter.package_name }} import (
    data,
    evaluate,
{%- if cookiecutter.onnx_export == 'yes' %}
    export_onnx,
{%- endif %}
    report,
    train,
    validate,
)
from {{ cookiecutter.package_name }}.config import (
    Config,
    ConfigError,
    PathsConfig,
    compose_config,
    run_stage,
    to_config,
)

MULTIRUN_ROOT = Path("build/multirun")


def run(config: Config) -> dict[str, float]:
    """Validate, prepare, train, {% if cookiecutter.onnx_export == 'yes' %}export to ONNX, {% endif %}evaluate, report; return the metrics."""
    validate.run(config)
    data.run(config)
    train.run(config)
{%- if cookiecutter.onnx_export == 'yes' %}
    export_onnx.run(config)
{%- endif %}
    metrics = evaluate.run(config).metrics
    report.run(config)
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
    """The same configuration, with every output written to ``folder``."""
    for name in PathsConfig.__dataclass_fields__:
        setattr(config.paths, name, str(folder / Path(getattr(config.paths, name)).name))
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
