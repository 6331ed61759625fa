"""The main pipeline: every stage, in order, in one process.

``dvc.yaml`` runs the same stages one by one (``make pipeline``), caching each; this module
is the direct way: ``python -m {{ cookiecutter.package_name }}.pipeline experiment=smoke``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from {{ cookiecutter.package_name }} import data, evaluate, {% if cookiecutter.onnx_export == 'yes' %}export_onnx, {% endif %}train
from {{ cookiecutter.package_name }}.config import Config, run_stage


def run(config: Config) -> dict[str, float]:
    """Prepare the data, train, {% if cookiecutter.onnx_export == 'yes' %}export to ONNX, {% endif %}evaluate; return the metrics."""
    data.run(config)
    train.run(config)
{%- if cookiecutter.onnx_export == 'yes' %}
    export_onnx.run(config)
{%- endif %}
    return evaluate.run(config).metrics


def main(argv: Sequence[str] | None = None) -> None:
    run_stage(
        argv, "Run every stage: prepare, train, evaluate.", lambda c: print(json.dumps(run(c)))
    )


if __name__ == "__main__":
    main()
