"""Configuration: ``configs/`` is the one source of parameters.

There are two ways in, and both end in the same typed :class:`Config`:

* DVC stages read ``params.yaml``: the composition of ``configs/`` that ``dvc exp run``
  writes (with its ``-S`` overrides) and that ``make params`` refreshes for ``dvc repro``
  (see ``experiments.py``). Reading the file, instead of composing again, is what lets ``-S``
  take effect.
* Direct runs (``python -m {{ cookiecutter.package_name }}.train model=random_forest``)
  compose ``configs/`` with Hydra overrides.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from hydra import compose, initialize_config_dir
from hydra.errors import HydraException
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

CONFIG_DIR = Path("configs")
CONFIG_NAME = "config"
PARAMS_FILE = Path("params.yaml")


class ConfigError(ValueError):
    """A configuration that cannot be composed or does not fit the schema."""


# The schema: OmegaConf checks every key and type against these classes, so a typo in a
# config or an override fails at start-up, not halfway through training.
# (OmegaConf needs ``Optional[...]`` here rather than ``X | None``.)
@dataclass
class DataConfig:
    raw_path: str = MISSING
    target: str = MISSING
    test_size: float = 0.2
    max_rows: Optional[int] = None  # noqa: UP045


@dataclass
class FeaturesConfig:
    scale_numeric: bool = True


@dataclass
class EvaluationConfig:
    n_errors: int = 20
    metric: str = "roc_auc"


@dataclass
class PathsConfig:
    train: str = MISSING
    test: str = MISSING
    model: str = MISSING
    metrics: str = MISSING
    errors: str = MISSING
    confusion: str = MISSING
    roc: str = MISSING
{%- if cookiecutter.experiment_tracker == 'mlflow' %}
    run_info: str = MISSING
{%- endif %}
{%- if cookiecutter.onnx_export == 'yes' %}
    onnx: str = MISSING
{%- endif %}
    report: str = MISSING
    model_card: str = MISSING


{% if cookiecutter.experiment_tracker == 'mlflow' -%}
@dataclass
class TrackingConfig:
    uri: str = MISSING
    experiment: str = MISSING


{% endif -%}
@dataclass
class Config:
    seed: int = MISSING
    data: DataConfig = field(default_factory=DataConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    # Free-form: Hydra's ``_target_`` names the estimator class, the other keys are its arguments.
    model: dict[str, Any] = field(default_factory=dict)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
{%- if cookiecutter.experiment_tracker == 'mlflow' %}
    tracking: TrackingConfig = field(default_factory=TrackingConfig)
{%- endif %}


def compose_config(overrides: Sequence[str] = (), config_dir: Path = CONFIG_DIR) -> DictConfig:
    """Compose ``configs/`` with Hydra overrides, as ``dvc exp run -S`` does."""
    try:
        with initialize_config_dir(config_dir=str(config_dir.resolve()), version_base="1.3"):
            return compose(config_name=CONFIG_NAME, overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as error:
        raise ConfigError(_one_line(error)) from error


def load_params(path: Path = PARAMS_FILE) -> DictConfig:
    """Load an already composed configuration, such as DVC's ``params.yaml``."""
    if not path.is_file():
        raise ConfigError(f"{path} not found: run `make params` to compose it from {CONFIG_DIR}/")
    loaded = OmegaConf.load(path)
    if not isinstance(loaded, DictConfig):
        raise ConfigError(f"{path} must hold a mapping of parameters")
    return loaded


def to_config(raw: DictConfig) -> Config:
    """Check a composed configuration against the schema and return it typed."""
    try:
        merged = OmegaConf.merge(OmegaConf.structured(Config), raw)
        config = OmegaConf.to_object(merged)
    except OmegaConfBaseException as error:
        raise ConfigError(_one_line(error)) from error
    assert isinstance(config, Config)
    return config


def dump_params(raw: DictConfig) -> str:
    """Render a composed configuration byte for byte as ``dvc exp run`` writes ``params.yaml``."""
    resolved = raw.copy()
    OmegaConf.resolve(resolved)
    return OmegaConf.to_yaml(resolved)


def config_from_args(argv: Sequence[str] | None, description: str) -> Config:
    """Parse a stage's command line: ``--params FILE`` (DVC) or Hydra overrides (direct run)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--params",
        type=Path,
        metavar="FILE",
        help="read the composed configuration from FILE (what DVC stages do)",
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        help="Hydra overrides applied to configs/, e.g. model=random_forest seed=7",
    )
    args = parser.parse_args(argv)
    if args.params is not None and args.overrides:
        parser.error("give either --params or overrides, not both")
    try:
        raw = load_params(args.params) if args.params else compose_config(args.overrides)
        return to_config(raw)
    except ConfigError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")


def run_stage(
    argv: Sequence[str] | None, description: str, stage: Callable[[Config], object]
) -> None:
    """Command-line entry of a stage: configure, run, and turn expected failures into one line."""
    config = config_from_args(argv, description)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        stage(config)
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f"error: {_one_line(error)}")


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())
