from __future__ import annotations

import pytest

from {{ cookiecutter.package_name }}.config import (
    CONFIG_DIR,
    PARAMS_FILE,
    ConfigError,
    compose_config,
    dump_params,
    to_config,
)


def test_params_yaml_is_the_composition_of_configs() -> None:
    """`dvc repro` reads params.yaml: it must say what configs/ says (refresh: `make params`)."""
    assert PARAMS_FILE.read_text(encoding="utf-8") == dump_params(compose_config())


@pytest.mark.parametrize(
    "choice",
    [f"model={path.stem}" for path in sorted((CONFIG_DIR / "model").glob("*.yaml"))]
    + [f"experiment={path.stem}" for path in sorted((CONFIG_DIR / "experiment").glob("*.yaml"))],
)
def test_every_config_choice_composes_and_fits_the_schema(choice: str) -> None:
    config = to_config(compose_config([choice]))
    assert "_target_" in config.model
    assert config.model["random_state"] == config.seed


def test_overrides_reach_the_typed_config() -> None:
    overrides = ["model=logistic_regression", "seed=7", "model.C=0.5", "data.test_size=0.3"]
    config = to_config(compose_config(overrides))
    assert (config.seed, config.model["C"], config.data.test_size) == (7, 0.5, 0.3)
    assert config.model["random_state"] == 7  # interpolated from seed


@pytest.mark.parametrize(
    "overrides",
    [["data.test_size=lots"], ["+data.unknown_key=1"], ["model=no_such_model"]],
)
def test_bad_configs_fail_with_a_config_error(overrides: list[str]) -> None:
    with pytest.raises(ConfigError):
        to_config(compose_config(overrides))
