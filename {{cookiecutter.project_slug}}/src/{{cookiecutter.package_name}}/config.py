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

from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

CONFIG_DIR = Path("configs")
CONFIG_NAME = "config"
PARAMS_FILE = Path("params.yaml")
ROOT_KEY = "root"  # paths.root: the folder every output goes under


class ConfigError(ValueError):
    """A configuration that cannot be composed or does not fit the schema."""


# The schema: OmegaConf checks every key and type against these classes, so a typo in a
# config or an override fails at start-up, not halfway through training.
# (OmegaConf needs ``Optional[...]`` here rather than ``X | None``.)
@dataclass
class DataConfig:
    raw_path: Path = MISSING
    target: str = MISSING
    # The data contract (data/schema/<dataset>.yaml): `make schema` writes it, `validate` reads it.
    schema: Optional[Path] = None  # noqa: UP045
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
class Config:
    seed: int = MISSING
    data: DataConfig = field(default_factory=DataConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    # Free-form: Hydra's ``_target_`` names the estimator class, the other keys are its arguments.
    model: dict[str, Any] = field(default_factory=dict)
    # How a network is trained (configs/trainer/, PyTorch projects): the model's config hands it
    # to the model, which checks it. None where models are fitted in one call.
    trainer: Optional[dict[str, Any]] = None  # noqa: UP045
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    # Where each stage writes (configs/paths/), relative to ``paths.root``: a name per output,
    # so that a new output is a line there and in the dvc.yaml stage that writes it.
    paths: dict[str, Path] = field(default_factory=dict)
    # The experiment tracker (``_target_`` and its arguments), or None for no tracking.
    tracking: Optional[dict[str, Any]] = None  # noqa: UP045

    @property
    def output_root(self) -> Path:
        """The folder every output goes under: the project for DVC, build/... for scratch runs."""
        return self.paths.get(ROOT_KEY, Path("."))

    def output(self, name: str) -> Path:
        """Where the output ``name`` goes: ``paths.<name>`` under ``paths.root``."""
        if name == ROOT_KEY or name not in self.paths:
            raise ConfigError(
                f"paths.{name} is not set: add `{name}: <file>` to {CONFIG_DIR}/paths/default.yaml "
                "(and to the dvc.yaml stage that writes it), then run `make params`"
            )
        return self.output_root / self.paths[name]

    def outputs(self) -> dict[str, Path]:
        """Every configured output, by name, under ``paths.root``."""
        return {name: self.output(name) for name in self.paths if name != ROOT_KEY}


def compose_config(overrides: Sequence[str] = (), config_dir: Path = CONFIG_DIR) -> DictConfig:
    """Compose ``configs/`` with Hydra overrides, as ``dvc exp run -S`` does."""
    # Imported here: DVC's stages read params.yaml with OmegaConf, and start faster without Hydra.
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException

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
