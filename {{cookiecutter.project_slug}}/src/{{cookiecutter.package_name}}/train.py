"""Fitting a model on the training set: the ``train`` stage."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from {{ cookiecutter.package_name }}.config import Config, run_stage
from {{ cookiecutter.package_name }}.data import Dataset, load_dataset
from {{ cookiecutter.package_name }}.models import Classifier, build_model, save_model
from {{ cookiecutter.package_name }}.tracker import tracker_for

log = logging.getLogger(__name__)


def train(train_set: Dataset, config: Config) -> Classifier:
    """Build the configured model and fit it."""
    model = build_model(config.model, config.features)
    model.fit(train_set.features, train_set.target)
    return model


def run(config: Config) -> Classifier:
    """The ``train`` stage: train set in, model file out."""
    tracker = tracker_for(config)  # a bad tracking config fails before the fit, not after
    train_path, model_path = config.output("train"), config.output("model")
    train_set = load_dataset(train_path, config.data.target)
    model = train(train_set, config)
    save_model(model, model_path)
    log.info("train: fitted %s on %d rows", config.model["_target_"], len(train_set))
    tracker.log_training(config, model_path, train_path)
    return model


def main(argv: Sequence[str] | None = None) -> None:
    run_stage(argv, "Train the configured model on the train set.", run)


if __name__ == "__main__":
    main()
