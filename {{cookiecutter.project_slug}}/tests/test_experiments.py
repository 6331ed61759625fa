"""configs/ stays the one source of parameters: `make keep` writes an experiment back into it,
and `make params` never replaces parameters that did not come from it.

On copies of configs/ (in scratch git repositories where git matters): no pipeline run. The
overrides are chosen from the current configs/, so the tests hold after you keep experiments.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from {{ cookiecutter.package_name }}.config import (
    CONFIG_DIR,
    PARAMS_FILE,
    ConfigError,
    compose_config,
    dump_params,
)
from {{ cookiecutter.package_name }}.experiments import (
    RECORD_PREFIX,
    ExperimentError,
    find_experiment,
    keep,
    main,
    write_back,
    write_params,
)

PRIMARY = CONFIG_DIR / "config.yaml"


def composed(overrides: list[str], config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    """What `dvc exp run -S ...` writes to params.yaml, as values."""
    values: dict[str, Any] = yaml.safe_load(dump_params(compose_config(overrides, config_dir)))
    return values


def choice(group: str, config_dir: Path = CONFIG_DIR) -> str:
    """The option of ``group`` selected in the defaults list."""
    primary = yaml.safe_load((config_dir / "config.yaml").read_text(encoding="utf-8"))
    return next(str(entry[group]) for entry in primary["defaults"] if group in entry)


def other_model() -> str:
    """A model config that is not the selected one."""
    options = sorted(path.stem for path in (CONFIG_DIR / "model").glob("*.yaml"))
    return next(option for option in options if option != choice("model"))


def new_seed() -> int:
    return int(composed([])["seed"]) + 1


def new_test_size() -> float:
    return 0.3 if composed([])["data"]["test_size"] != 0.3 else 0.25


def set_line(path: Path, key: str, value: object) -> None:
    """Edit ``key: value`` in a config file as a person does, comments kept."""
    text = path.read_text(encoding="utf-8")
    edited, count = re.subn(rf"(?m)^({key}:[ ]*)[^#\s]+", rf"\g<1>{value}", text, count=1)
    assert count == 1, f"{key} not in {path}"
    path.write_text(edited, encoding="utf-8")


def kept(overrides: list[str] | None, target: dict[str, Any], tmp_path: Path) -> Path:
    """A copy of configs/ with an experiment written back: check it composes to ``target``."""
    copy = tmp_path / "configs"
    shutil.copytree(CONFIG_DIR, copy)
    edits, text = write_back(copy, overrides, target)
    for path, new in edits.items():
        (copy / path).write_text(new, encoding="utf-8")
    assert composed([], copy) == target
    assert yaml.safe_load(text) == target
    return copy


def changed_files(copy: Path) -> set[str]:
    return {
        str(path.relative_to(copy))
        for path in copy.rglob("*.yaml")
        if path.read_bytes() != (CONFIG_DIR / path.relative_to(copy)).read_bytes()
    }


def comments(path: Path) -> list[str]:
    """Every comment, with the gap before it: `seed: 7 # ...` keeps the one space of `seed: 42`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [re.sub(r"^.*?\S?( *#)", r"\1", line) for line in lines if "#" in line]


def test_a_value_goes_into_the_file_that_sets_it(tmp_path: Path) -> None:
    overrides = [f"data.test_size={new_test_size()}"]
    copy = kept(overrides, composed(overrides), tmp_path)
    data_file = f"data/{choice('data')}.yaml"
    assert changed_files(copy) == {data_file}
    assert comments(copy / data_file) == comments(CONFIG_DIR / data_file)


def test_a_group_choice_goes_into_the_defaults_list(tmp_path: Path) -> None:
    overrides = [f"model={other_model()}"]
    copy = kept(overrides, composed(overrides), tmp_path)
    assert changed_files(copy) == {"config.yaml"}
    assert choice("model", copy) == other_model()
    assert comments(copy / "config.yaml") == comments(PRIMARY)


@pytest.mark.skipif(
    not (CONFIG_DIR / "experiment/forest.yaml").is_file(), reason="no forest experiment"
)
def test_a_named_experiment_becomes_the_base_config(tmp_path: Path) -> None:
    """experiment=forest: its model choice and values move into the base config, so the
    `experiment` slot stays free (experiment=smoke still runs the kept model)."""
    overrides = ["experiment=forest"]
    target = composed(overrides)
    copy = kept(overrides, target, tmp_path)
    assert choice("experiment", copy) == "None"
    assert choice("model", copy) == "random_forest"
    forest = yaml.safe_load((copy / "model/random_forest.yaml").read_text(encoding="utf-8"))
    assert {key: forest[key] for key in ("n_estimators", "max_depth")} == {
        "n_estimators": 300,
        "max_depth": 8,
    }
    assert composed(["experiment=smoke"], copy)["model"] == target["model"]


def test_several_overrides_at_once(tmp_path: Path) -> None:
    model, seed = other_model(), new_seed()
    overrides = [f"model={model}", f"seed={seed}", f"data.test_size={new_test_size()}"]
    copy = kept(overrides, composed(overrides), tmp_path)
    assert changed_files(copy) == {"config.yaml", f"data/{choice('data')}.yaml"}
    assert choice("model", copy) == model
    assert yaml.safe_load((copy / "config.yaml").read_text(encoding="utf-8"))["seed"] == seed
    assert comments(copy / "config.yaml") == comments(PRIMARY)
    # The model's random_state follows the kept seed: still ${seed}, not a copied number.
    assert (copy / f"model/{model}.yaml").read_bytes() == (
        CONFIG_DIR / f"model/{model}.yaml"
    ).read_bytes()


def test_a_new_key_goes_into_the_file_of_its_group(tmp_path: Path) -> None:
    overrides = ["+model.kept_by_a_test=1"]
    copy = kept(overrides, composed(overrides), tmp_path)
    assert changed_files(copy) == {f"model/{choice('model')}.yaml"}


def test_unrecorded_value_changes_are_written_back(tmp_path: Path) -> None:
    """A plain `dvc exp run -S ...` records no overrides: changed values are written back."""
    copy = kept(
        None, composed([f"seed={new_seed()}", f"data.test_size={new_test_size()}"]), tmp_path
    )
    assert changed_files(copy) == {"config.yaml", f"data/{choice('data')}.yaml"}


def test_an_unrecorded_group_change_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "configs"
    shutil.copytree(CONFIG_DIR, copy)
    with pytest.raises(ExperimentError, match="config group changed"):
        write_back(copy, None, composed([f"model={other_model()}"]))


def test_what_cannot_be_written_back_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "configs"
    shutil.copytree(CONFIG_DIR, copy)
    target = composed([])
    with pytest.raises(ExperimentError, match="does not exist"):
        write_back(copy, ["model=no_such_model"], target)
    with pytest.raises(ExperimentError, match="delete the key"):
        write_back(copy, ["~seed"], target)
    assert changed_files(copy) == set()


# --- scratch git repositories: make params's guard, make keep --------------------------------


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """configs/ and params.yaml, committed in a scratch git repository (the working folder)."""
    root = tmp_path / "project"
    shutil.copytree(CONFIG_DIR, root / CONFIG_DIR)
    shutil.copy(PARAMS_FILE, root / PARAMS_FILE)
    monkeypatch.chdir(root)
    git(root, "init", "--quiet")
    for key, value in {"user.name": "Tests", "user.email": "tests@example.com"}.items():
        git(root, "config", key, value)
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "--no-verify", "-m", "Start")
    return root


@pytest.fixture
def dvc_repo(repo: Path) -> Path:
    """The scratch repository with DVC set up, for `dvc exp apply`."""
    subprocess.run([sys.executable, "-m", "dvc", "init", "--quiet"], cwd=repo, check=True)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "--no-verify", "-m", "dvc init")
    return repo


def fake_experiment(
    repo: Path, name: str, overrides: list[str], *, with_workspace: bool = False
) -> str:
    """An experiment commit and ref as `make exp` leaves them (refs/exps/<baseline>/<name>),
    with the uncommitted edits of tracked files if ``with_workspace``, as DVC stashes them."""
    branch = git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip()
    head = git(repo, "rev-parse", "HEAD").strip()
    stashed = git(repo, "stash", "create").strip()
    git(repo, "checkout", "--quiet", "--detach")
    if stashed and not with_workspace:
        git(repo, "checkout", "--quiet", "HEAD", "--", ".")
    PARAMS_FILE.write_text(dump_params(compose_config(overrides)), encoding="utf-8")
    record = RECORD_PREFIX + json.dumps(overrides)
    git(repo, "commit", "--quiet", "--no-verify", "-am", "experiment", "-m", record)
    commit = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "update-ref", f"refs/exps/{head[:2]}/{head[2:]}/{name}", commit)
    git(repo, "checkout", "--quiet", "--force", branch)
    if stashed:
        git(repo, "stash", "apply", "--quiet", stashed)
    return commit


def seed_in(path: Path) -> int:
    return int(yaml.safe_load(path.read_text(encoding="utf-8"))["seed"])


def test_params_follow_edits_of_configs(repo: Path) -> None:
    assert not write_params()  # a fresh clone: nothing to do
    seed = new_seed()
    set_line(PRIMARY, "seed", seed)
    assert write_params()
    assert seed_in(PARAMS_FILE) == seed
    set_line(PRIMARY, "seed", seed + 1)  # a second edit, params.yaml not committed in between
    assert write_params()
    assert seed_in(PARAMS_FILE) == seed + 1


def test_params_written_elsewhere_are_never_replaced(repo: Path) -> None:
    set_line(PARAMS_FILE, "seed", new_seed())  # as `dvc exp apply` or a hand edit does
    before = PARAMS_FILE.read_text()
    with pytest.raises(ExperimentError) as refused:
        write_params()
    message = str(refused.value)
    assert "\n" not in message
    assert " in seed, " in message
    assert "make keep EXP=" in message
    assert "git checkout params.yaml" in message
    assert PARAMS_FILE.read_text() == before
    set_line(PRIMARY, "seed", new_seed() + 1)  # editing configs/ as well does not discard it
    with pytest.raises(ExperimentError):
        write_params()
    git(repo, "checkout", str(PARAMS_FILE))  # the way out the message gives
    assert write_params()


def test_an_older_commit_checks_out_consistently(repo: Path) -> None:
    seed = seed_in(PRIMARY)
    set_line(PRIMARY, "seed", seed + 1)
    write_params()
    git(repo, "commit", "--quiet", "--no-verify", "-am", "Another seed")
    git(repo, "checkout", "--quiet", "HEAD~1")
    assert not write_params()
    assert seed_in(PARAMS_FILE) == seed


def test_params_are_not_written_from_an_invalid_config(repo: Path) -> None:
    set_line(PRIMARY, "seed", "lots")
    before = PARAMS_FILE.read_text()
    with pytest.raises(ConfigError):
        write_params()
    assert PARAMS_FILE.read_text() == before


def test_the_refusal_names_an_applied_experiment(repo: Path) -> None:
    exp = fake_experiment(repo, "tidy-wool", [f"seed={new_seed()}"])
    PARAMS_FILE.write_text(git(repo, "show", f"{exp}:params.yaml"), encoding="utf-8")
    with pytest.raises(ExperimentError, match="make keep EXP=tidy-wool"):
        write_params()


def test_recorded_overrides_are_read_back(repo: Path) -> None:
    overrides = [f"model={other_model()}", f"seed={new_seed()}"]
    fake_experiment(repo, "bold-fern", overrides)
    experiment = find_experiment("bold-fern")
    assert experiment.overrides == overrides
    assert experiment.baseline == git(repo, "rev-parse", "HEAD").strip()


def test_keep_applies_the_experiment_and_writes_it_back(dvc_repo: Path) -> None:
    """Edit configs/, `make exp`, `make keep`: the experiment, with the edit it ran with, is
    the project's state; nothing is lost, and configs/ and params.yaml agree."""
    data_file = CONFIG_DIR / f"data/{choice('data')}.yaml"
    set_line(data_file, "test_size", new_test_size())
    write_params()
    overrides = [f"model={other_model()}", f"seed={new_seed()}"]
    exp = fake_experiment(dvc_repo, "deep-lake", overrides, with_workspace=True)
    assert keep("deep-lake") == [PRIMARY]
    status = git(dvc_repo, "status", "--porcelain", "--", str(CONFIG_DIR), str(PARAMS_FILE))
    assert status.split() == ["M", str(PRIMARY), "M", str(data_file), "M", str(PARAMS_FILE)]
    assert PARAMS_FILE.read_text() == git(dvc_repo, "show", f"{exp}:params.yaml")
    assert PARAMS_FILE.read_text() == dump_params(compose_config())
    assert not write_params()  # nothing left to do


@pytest.mark.parametrize(
    ("name", "why"),
    [("", "make keep EXP=<name>"), ("no-such-exp", "dvc exp show")],
)
def test_keep_refuses_a_missing_or_unknown_name(repo: Path, name: str, why: str) -> None:
    with pytest.raises(ExperimentError, match=why):
        keep(name)


def test_keep_refuses_to_overwrite_uncommitted_edits(repo: Path) -> None:
    fake_experiment(repo, "calm-sea", [f"seed={new_seed()}"])
    set_line(PRIMARY, "seed", new_seed() + 1)
    before = {path: path.read_bytes() for path in repo.rglob("*.yaml")}
    with pytest.raises(ExperimentError, match=r"uncommitted changes in configs/config.yaml"):
        keep("calm-sea")
    assert {path: path.read_bytes() for path in repo.rglob("*.yaml")} == before


def test_keep_refuses_an_experiment_of_another_commit(repo: Path) -> None:
    seed = new_seed()
    fake_experiment(repo, "old-moss", [f"seed={seed}"])
    set_line(PRIMARY, "seed", seed + 1)
    write_params()
    git(repo, "commit", "--quiet", "--no-verify", "-am", "Another seed")
    with pytest.raises(
        ExperimentError, match=rf'run it again here with make exp ARGS="seed={seed}"'
    ):
        keep("old-moss")


def test_command_line_errors_are_one_line(repo: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["keep", "no-such-exp"])
    assert str(exit_info.value.code).startswith("make keep: no experiment named 'no-such-exp'")
    assert "\n" not in str(exit_info.value.code)


def test_make_params_writes_once(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_line(PRIMARY, "seed", new_seed())
    main(["params"])
    assert capsys.readouterr().err == "wrote params.yaml\n"
    main(["params"])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        (["model.C=0.1"], "not tracked by git"),
        (["model.C=[0.1"], "model.C=[0.1: no viable alternative"),
    ],
)
def test_make_exp_refuses_before_running(repo: Path, overrides: list[str], why: str) -> None:
    if why == "not tracked by git":
        (CONFIG_DIR / "model/new_model.yaml").write_text("_target_: x\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["run", *overrides])
    assert why in str(exit_info.value.code)
    assert "\n" not in str(exit_info.value.code)
