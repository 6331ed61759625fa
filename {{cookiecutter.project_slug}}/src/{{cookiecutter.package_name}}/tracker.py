"""The experiment tracker seam: what ``train`` and ``evaluate`` record, and to which tracker.

The tracker is chosen by configuration: the ``tracking`` node of ``configs/config.yaml`` names
its class (``_target_``) and arguments, and :func:`tracker_for` instantiates it with Hydra. A
project without a ``tracking`` node records nothing (:class:`NullTracker`). The stages only
know the :class:`Tracker` protocol, so a tracker (MLflow, another service, none) is a config
change and a module, never an edit of the stages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from {{ cookiecutter.package_name }}.config import Config, ConfigError


@runtime_checkable
class Tracker(Protocol):
    """Records runs. A tracking failure must not fail the stage: its outputs are written."""

    def log_training(
        self,
        config: Config,
        model_path: Path,
        data_path: Path,
        history: Sequence[Mapping[str, float]] = (),
    ) -> object:
        """Record a finished training run of the model at ``model_path``; ``history`` holds
        each epoch's losses and metrics, for a model trained in epochs (``epoch`` is the step)."""

    def log_evaluation(
        self, config: Config, metrics: Mapping[str, float], reports: list[Path]
    ) -> object:
        """Add an evaluation's metrics and report files to the run that trained the model."""


@runtime_checkable
class SweepTracker(Protocol):
    """A tracker that also groups the jobs of a sweep or search (sweep.py): one run for the
    sweep, opened before its jobs start, and the jobs' training runs as its children."""

    def start_sweep(self, folder: Path, overrides: Sequence[str]) -> object:
        """Open the sweep's run; the jobs started after it record their runs under it."""

    def finish_sweep(
        self,
        folder: Path,
        results: Sequence[Mapping[str, Any]],
        metric: str,
        best: Mapping[str, Any] | None,
        failed: Sequence[str],
    ) -> object:
        """Close the sweep's run with its jobs' results (their ``result.json``), best, failures."""


class NullTracker:
    """No tracking: DVC's experiments and the files under ``paths`` are the record."""

    def log_training(
        self,
        config: Config,
        model_path: Path,
        data_path: Path,
        history: Sequence[Mapping[str, float]] = (),
    ) -> None:
        pass

    def log_evaluation(
        self, config: Config, metrics: Mapping[str, float], reports: list[Path]
    ) -> None:
        pass


def tracker_for(config: Config) -> Tracker:
    """The tracker that ``config.tracking`` names, or :class:`NullTracker` when there is none."""
    if config.tracking is None:
        return NullTracker()
    from hydra.errors import HydraException  # here: a stage without a tracker starts without Hydra
    from hydra.utils import instantiate

    try:
        tracker = instantiate(OmegaConf.create(config.tracking))
    except (HydraException, OmegaConfBaseException) as error:
        raise ConfigError(f"tracking: {' '.join(str(error).split())}") from error
    if not isinstance(tracker, Tracker):
        raise ConfigError(
            f"tracking._target_ {config.tracking.get('_target_')} is not a tracker: it needs "
            "log_training and log_evaluation methods (see tracker.py)"
        )
    return tracker
