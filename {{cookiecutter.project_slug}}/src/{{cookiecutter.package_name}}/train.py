"""Fitting a model on the training set: the ``train`` stage."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from {{ cookiecutter.package_name }}.config import Config, run_stage
from {{ cookiecutter.package_name }}.data import Dataset, load_dataset
from {{ cookiecutter.package_name }}.models import (
    Classifier,
    build_model,
    learning_history,
    save_model,
)
{%- if cookiecutter.experiment_tracker == 'mlflow' %}
from {{ cookiecutter.package_name }}.tracking import log_training
{%- endif %}

log = logging.getLogger(__name__)


def train(train_set: Dataset, config: Config) -> Classifier:
    """Build the configured model and fit it."""
    model = build_model(config.model, config.features)
    model.fit(train_set.features, train_set.target)
    return model


def run(config: Config) -> Classifier:
    """The ``train`` stage: train set in, model file out."""
    train_set = load_dataset(Path(config.paths.train), config.data.target)
    model = train(train_set, config)
    save_model(model, Path(config.paths.model))
    log.info("train: fitted %s on %d rows", config.model["_target_"], len(train_set))
{%- if cookiecutter.experiment_tracker == 'mlflow' %}
    log_training(
        config, Path(config.paths.model), Path(config.paths.train), learning_history(model)
    )
{%- endif %}
    return model


def main(argv: Sequence[str] | None = None) -> None:
    run_stage(argv, "Train the configured model on the train set.", run)


if __name__ == "__main__":
    main()
