"""The main pipeline: every stage, in order, in one process.

``dvc.yaml`` runs the same stages one by one (``make pipeline``), caching each; this module
is the direct way: ``python -m {{ cookiecutter.package_name }}.pipeline experiment=smoke``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from {{ cookiecutter.package_name }} import data, evaluate, report, train
from {{ cookiecutter.package_name }}.config import Config, run_stage


def run(config: Config) -> dict[str, float]:
    """Prepare the data, train, evaluate, report; return the metrics."""
    data.run(config)
    train.run(config)
    metrics = evaluate.run(config).metrics
    report.run(config)
    return metrics


def main(argv: Sequence[str] | None = None) -> None:
    run_stage(
        argv, "Run every stage of the pipeline, in order.", lambda c: print(json.dumps(run(c)))
    )


if __name__ == "__main__":
    main()
