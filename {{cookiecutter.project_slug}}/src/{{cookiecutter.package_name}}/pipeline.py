"""The main pipeline: every stage, in order, in one process.

``dvc.yaml`` runs the same stages one by one (``make pipeline``), caching each; running this
module is the direct way, with Hydra overrides (``experiment=smoke``). With ``-m``
(``--multirun``) it runs a sweep, one job per combination of values, as ``make sweep`` does
(sweep.py): ``-m model=logistic_regression,random_forest seed=1,2 hydra/launcher=joblib``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from {{ cookiecutter.package_name }} import data, evaluate, {% if cookiecutter.onnx_export == 'yes' %}export_onnx, {% endif %}report, train
from {{ cookiecutter.package_name }}.config import (
    Config,
    PathsConfig,
    run_stage,
)


def run(config: Config) -> dict[str, float]:
    """Prepare the data, train, {% if cookiecutter.onnx_export == 'yes' %}export to ONNX, {% endif %}evaluate, report; return the metrics."""
    data.run(config)
    train.run(config)
{%- if cookiecutter.onnx_export == 'yes' %}
    export_onnx.run(config)
{%- endif %}
    metrics = evaluate.run(config).metrics
    report.run(config)
    return metrics


def in_folder(config: Config, folder: Path) -> Config:
    """The same configuration, with every output written to ``folder``."""
    for name in PathsConfig.__dataclass_fields__:
        setattr(config.paths, name, str(folder / Path(getattr(config.paths, name)).name))
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
