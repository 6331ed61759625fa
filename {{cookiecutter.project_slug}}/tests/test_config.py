from __future__ import annotations

from pathlib import Path

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


def test_paths_are_typed_and_every_output_goes_under_the_root() -> None:
    config = to_config(compose_config())
    assert config.output_root == Path(".")
    assert config.output("model") == Path(config.paths["model"])
    assert config.outputs() and all(isinstance(path, Path) for path in config.outputs().values())
    assert isinstance(config.data.raw_path, Path)


@pytest.mark.parametrize("root", ["paths=scratch", "paths.root=build/elsewhere"])
def test_one_setting_redirects_every_output(root: str) -> None:
    """Scratch runs and sweep jobs write the same files as the pipeline, under another root."""
    default = to_config(compose_config()).outputs()
    moved = to_config(compose_config([root]))
    assert moved.outputs() == {name: moved.output_root / path for name, path in default.items()}
    assert moved.output_root != Path(".")


def test_an_output_missing_from_the_config_is_named_in_one_line() -> None:
    config = to_config(compose_config())
    with pytest.raises(ConfigError, match=r"^paths\.no_such_output is not set: add .* to configs/"):
        config.output("no_such_output")
