"""The main pipeline: every stage, in order, in one process.

``dvc.yaml`` is the list of stages: DVC runs them one by one (``make pipeline``), caching each;
running this module is the direct way, with Hydra overrides (``experiment=smoke``), and runs
the same stages in the same order: each stage's ``cmd`` names its module
(``python -m <package>.<module> --params params.yaml``), whose ``run(config)`` is called here.
With ``-m`` (``--multirun``) it runs a sweep, one job per combination of values, as
``make sweep`` does (sweep.py): ``-m model=logistic_regression,random_forest seed=1,2``.
"""

from __future__ import annotations

import importlib
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from {{ cookiecutter.package_name }}.config import (
    ROOT_KEY,
    Config,
    ConfigError,
    run_stage,
)

DVC_FILE = Path("dvc.yaml")


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


def in_folder(config: Config, folder: Path) -> Config:
    """The same configuration, with every output written under ``folder``."""
    config.paths[ROOT_KEY] = folder
    return config


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-m"], ["--multirun"]):  # a sweep: Hydra's multirun, as `make sweep` runs it
        from . import sweep  # imported on use: sweep.py imports this module

        sweep.main(args[1:])
        return
    run_stage(
        args,
        "Run every stage of the pipeline, in order; -m/--multirun runs a sweep (make sweep).",
        lambda config: print(json.dumps(run(config))),
    )


if __name__ == "__main__":
    main()
