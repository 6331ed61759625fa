"""DVC experiments with ``configs/`` as the one source of parameters.

* ``make params`` composes ``configs/`` into ``params.yaml``, but never over parameters that did
  not come from ``configs/`` (an applied experiment, a hand edit): it stops and names them.
* ``make exp`` runs ``dvc exp run --temp`` (the workspace is left as it is) and records the
  Hydra overrides in the experiment's commit message, so that ``make keep`` can replay them.
* ``make keep`` makes an experiment the project's state: its overrides written into
  ``configs/`` (checked: ``configs/`` then composes to its ``params.yaml``), and its
  ``params.yaml``, ``dvc.lock`` and outputs in the workspace (``dvc exp apply``).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from {{ cookiecutter.package_name }}.config import (
    CONFIG_DIR,
    CONFIG_NAME,
    PARAMS_FILE,
    ConfigError,
    compose_config,
    dump_params,
    to_config,
)

# What `make params` last wrote (or found equal to the composition of configs/): a params.yaml
# with this content came from configs/, so rewriting it loses nothing. Per clone, not in git.
STAMP_FILE = Path(".dvc/tmp/params-composed.sha256")
# `make exp` records its overrides in the experiment's commit message, after this prefix.
RECORD_PREFIX = "make exp overrides: "
# An experiment's git ref: refs/exps/<baseline commit, split 2/38>/<name>.
_EXP_REF = re.compile(r"^refs/exps/(?P<a>[0-9a-f]{2})/(?P<b>[0-9a-f]{38})/(?P<name>[^/]+)$")
_PACKAGE_HEADER = re.compile(r"^#\s*@package\s+(\S+)", re.MULTILINE)


class ExperimentError(RuntimeError):
    """A request that cannot be carried out without losing something; the message says why."""


# --- git --------------------------------------------------------------------------------------


def _git(*args: str, check: bool = True, stdin: str | None = None) -> str:
    result = subprocess.run(
        ["git", *args], capture_output=True, text=True, check=False, input=stdin
    )
    if check and result.returncode != 0:
        raise ExperimentError(f"git {' '.join(args)} failed: {' '.join(result.stderr.split())}")
    return result.stdout


def _git_bytes(*args: str) -> bytes | None:
    """A git object's content, or None if it does not exist."""
    result = subprocess.run(["git", *args], capture_output=True, check=False)
    return result.stdout if result.returncode == 0 else None


def _committed(path: Path, rev: str = "HEAD") -> bytes | None:
    return _git_bytes("show", f"{rev}:./{path.as_posix()}")


def _head() -> str | None:
    head = _git("rev-parse", "--verify", "--quiet", "HEAD", check=False).strip()
    return head or None


# --- parameters as flat key -> value maps ------------------------------------------------------


def _flat(tree: Any, prefix: str = "") -> dict[str, Any]:
    """Nested keys joined with dots (``model.C``); lists are values."""
    if isinstance(tree, Mapping) and tree:
        flat: dict[str, Any] = {}
        for key, value in tree.items():
            flat.update(_flat(value, f"{prefix}{key}."))
        return flat
    return {prefix[:-1]: tree}


def _differing_keys(left: Mapping[str, Any], right: Mapping[str, Any]) -> list[str]:
    flat_left, flat_right = _flat(left), _flat(right)
    return sorted(
        key
        for key in flat_left.keys() | flat_right.keys()
        if key not in flat_left or key not in flat_right or flat_left[key] != flat_right[key]
    )


def _listed(keys: Sequence[str], most: int = 6) -> str:
    shown = ", ".join(keys[:most])
    return shown if len(keys) <= most else f"{shown} and {len(keys) - most} more"


def _composed_values(config_dir: Path) -> tuple[str, dict[str, Any]]:
    """The composition of ``config_dir`` as params.yaml text, and as values."""
    raw = compose_config((), config_dir)
    to_config(raw)  # never write parameters the stages would reject
    text = dump_params(raw)
    return text, yaml.safe_load(text)


# --- make params: compose, but never over parameters from elsewhere -----------------------------


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _record_stamp(text: str, stamp: Path) -> None:
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(_sha256(text) + "\n", encoding="utf-8")


def _came_from_configs(text: str, params: Path, stamp: Path) -> bool:
    """Whether rewriting ``params`` loses nothing: it holds what `make params` wrote last, or
    the committed version (whose source is the committed configs/)."""
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == _sha256(text):
        return True
    committed = _committed(params) if _head() else None
    if committed is None:  # not committed yet: no experiment can have written it
        return _git("ls-files", "--", str(params), check=False).strip() == ""
    return committed.decode("utf-8") == text


def experiment_with_params(text: str) -> str | None:
    """The name of an experiment whose params.yaml is ``text`` (after `dvc exp apply`)."""
    blob = _git("hash-object", "--stdin", stdin=text, check=False).strip()
    refs = [
        ref
        for ref in _git("for-each-ref", "--format=%(refname)", "refs/exps/", check=False).split()
        if _EXP_REF.match(ref)
    ]
    if not blob or not refs:
        return None
    answers = _git(
        "cat-file",
        "--batch-check=%(objectname)",
        stdin="".join(f"{ref}:params.yaml\n" for ref in refs),
        check=False,
    ).splitlines()
    for ref, answer in zip(refs, answers, strict=False):
        if answer.strip() == blob:
            return ref.rsplit("/", 1)[1]
    return None


def write_params(
    params: Path = PARAMS_FILE, config_dir: Path = CONFIG_DIR, stamp: Path = STAMP_FILE
) -> bool:
    """Write the composition of ``config_dir`` to ``params``; return whether it changed.

    Refuses (ExperimentError) when ``params`` holds parameters that did not come from
    ``config_dir``: an applied experiment or a hand edit would be silently replaced.
    """
    text, values = _composed_values(config_dir)
    current = params.read_text(encoding="utf-8") if params.is_file() else None
    if current == text:
        _record_stamp(text, stamp)
        return False
    try:
        keys = _differing_keys(yaml.safe_load(current) or {}, values) if current else []
    except yaml.YAMLError:
        keys = ["all of it (it is not valid YAML)"]
    if keys and current and not _came_from_configs(current, params, stamp):
        name = experiment_with_params(current)
        keep = f"make keep EXP={name}" if name else "make keep EXP=<name>"
        raise ExperimentError(
            f"{params} differs from the composition of {config_dir}/ in {_listed(keys)}, and not "
            f"from an edit of {config_dir}/ (an applied experiment, or an edit of {params}): "
            f"keep it with `{keep}` or by writing the values into {config_dir}/; "
            f"discard it with `git checkout {params}`"
        )
    params.write_text(text, encoding="utf-8")
    _record_stamp(text, stamp)
    return True


# --- make exp --------------------------------------------------------------------------------


def experiment_refs() -> dict[str, str]:
    """Every experiment's git ref, by ref name."""
    lines = _git("for-each-ref", "--format=%(refname)", "refs/exps/", check=False).split()
    return {ref: ref.rsplit("/", 1)[1] for ref in lines if _EXP_REF.match(ref)}


def run_experiment(overrides: Sequence[str]) -> str:
    """``dvc exp run --temp`` with Hydra overrides, recorded for `make keep`; return its name."""
    untracked = _git("ls-files", "--others", "--exclude-standard", "--", str(CONFIG_DIR)).split()
    if untracked:
        raise ExperimentError(
            f"{_listed(untracked)} not tracked by git: an experiment takes tracked files only; "
            f"`git add` them (or delete them) and run it again"
        )
    parser = OverridesParser.create()
    for override in overrides:  # a syntax error fails here, before DVC copies anything
        try:
            parser.parse_override(override)
        except HydraException as error:
            raise ExperimentError(f"{override}: {' '.join(str(error).split())}") from error
    before = set(experiment_refs())
    record = RECORD_PREFIX + json.dumps(list(overrides))
    command = [sys.executable, "-m", "dvc", "exp", "run", "--temp", "--message", record]
    for override in overrides:
        command += ["--set-param", override]
    # DVC's closing hint (`dvc exp apply <exp>`) is left out: `make keep` is the way here.
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as dvc:
        assert dvc.stdout is not None
        for line in dvc.stdout:
            if not line.startswith("To apply the results") and "dvc exp apply" not in line:
                print(line, end="", flush=True)
    if dvc.returncode != 0:
        raise ExperimentError(
            "dvc exp run failed (its output is above); the workspace is unchanged"
        )
    new = [ref for ref in experiment_refs() if ref not in before]
    if len(new) != 1:
        raise ExperimentError("dvc exp run finished, but its experiment is not in refs/exps")
    return new[0].rsplit("/", 1)[1]


# --- make keep: configs/ written back --------------------------------------------------------


def _yaml() -> YAML:
    """Round-trip YAML in the style of configs/: comments and key order kept, `null` spelled."""
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    rt.representer.add_representer(
        type(None), lambda dumper, _: dumper.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return rt


@dataclass
class _ConfigFile:
    path: Path
    package: str  # where its keys land in the composition: "" (global), "model", ...


class _ConfigTree:
    """A copy of configs/ being edited: YAML documents loaded round-trip, written on save."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.rt = _yaml()
        self.docs: dict[Path, Any] = {}
        self._files: list[_ConfigFile] | None = None  # the composition's files, until a choice

    def doc(self, path: Path) -> Any:
        if path not in self.docs:
            self.docs[path] = self.rt.load(path.read_text(encoding="utf-8")) or CommentedMap()
        return self.docs[path]

    def save(self) -> None:
        for path, doc in self.docs.items():
            stream = io.StringIO()
            self.rt.dump(doc, stream)
            path.write_text(stream.getvalue(), encoding="utf-8")

    @property
    def primary(self) -> Path:
        return self.root / f"{CONFIG_NAME}.yaml"

    def is_group(self, name: str) -> bool:
        return (self.root / name).is_dir()

    def option_file(self, group: str, option: str) -> Path:
        return self.root / group / f"{option}.yaml"

    def package(self, path: Path, group: str) -> str:
        header = _PACKAGE_HEADER.search(path.read_text(encoding="utf-8"))
        package = header.group(1) if header else group.replace("/", ".")
        return "" if package == "_global_" else package

    def defaults(self) -> list[Any]:
        defaults = self.doc(self.primary).get("defaults")
        if defaults is None:
            raise ExperimentError(f"{self.primary.name} has no defaults list to choose groups in")
        return list(defaults)

    def choice(self, group: str) -> tuple[int, Any] | None:
        for index, entry in enumerate(self.defaults()):
            if isinstance(entry, Mapping) and list(entry) == [group]:
                return index, entry[group]
        return None

    def choose(self, group: str, option: str | None) -> None:
        """Select ``option`` of ``group`` in the primary config's defaults list."""
        if option is not None and not self.option_file(group, option).is_file():
            raise ExperimentError(f"{CONFIG_DIR}/{group}/{option}.yaml does not exist")
        found = self.choice(group)
        self._files = None
        defaults = self.doc(self.primary)["defaults"]
        if found is None:
            defaults.append(CommentedMap([(group, option)]))  # as Hydra does with +group=...
        else:
            defaults[found[0]][group] = option

    def composition(self) -> list[_ConfigFile]:
        """The files merged into the composition, in merge order (later ones win)."""
        if self._files is not None:
            return self._files
        self.save()  # Hydra composes what is on disk
        choices = self._runtime_choices()
        files = []
        for entry in self.defaults():
            if entry == "_self_":
                files.append(_ConfigFile(self.primary, ""))
            elif isinstance(entry, Mapping) and len(entry) == 1:
                group = str(next(iter(entry))).removeprefix("override ").strip("/")
                option = choices.get(group)
                if option:
                    path = self.option_file(group, option)
                    files.append(_ConfigFile(path, self.package(path, group)))
        if "_self_" not in self.defaults():
            files.append(_ConfigFile(self.primary, ""))
        self._files = files
        return files

    def _runtime_choices(self) -> dict[str, str | None]:
        with initialize_config_dir(config_dir=str(self.root.resolve()), version_base="1.3"):
            config = compose(config_name=CONFIG_NAME, return_hydra_config=True)
        return dict(config.hydra.runtime.choices)

    def set_value(self, key: str, value: Any, *, over_interpolations: bool) -> bool:
        """Write ``key: value`` into the file that sets it last in the composition (a key no
        file sets goes into the file of its group, or the primary config). Returns False when
        that file's value is an interpolation and ``over_interpolations`` is off."""
        files = self.composition()
        owner, inner = None, None
        for config_file in files:
            local = _local_key(key, config_file.package)
            if local is not None and _lookup(self.doc(config_file.path), local) is not _MISSING:
                owner, inner = config_file, local
        if owner is None or inner is None:
            candidates = [(f, _local_key(key, f.package)) for f in files if f.package]
            owned = [(f, local) for f, local in candidates if local is not None]
            owner, inner = owned[-1] if owned else (files[-1], key)
        doc = self.doc(owner.path)
        current = _lookup(doc, inner)
        if isinstance(current, str) and "${" in current and not over_interpolations:
            return False
        *parents, leaf = inner.split(".")
        node = doc
        for part in parents:
            if not isinstance(node.get(part), Mapping):
                node[part] = CommentedMap()
            node = node[part]
        node[leaf] = value
        _keep_comment_gap(node, leaf, current, value)
        return True


_MISSING = object()


def _keep_comment_gap(node: Any, key: str, old: Any, new: Any) -> None:
    """Keep the gap before the comment after ``key: value`` when the value's width changes
    (ruamel keeps the comment's column: `seed: 7  # ...` after `seed: 42 # ...`)."""
    comment = node.ca.items.get(key) if isinstance(node, CommentedMap) else None
    if comment and len(comment) > 2 and comment[2] is not None and old is not _MISSING:
        mark = comment[2].start_mark
        mark.column = max(0, mark.column + len(_scalar(new)) - len(_scalar(old)))


def _scalar(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()


def _local_key(key: str, package: str) -> str | None:
    """``model.C`` in a file of package ``model`` is ``C``; None if the key is not under it."""
    if not package:
        return key
    return key[len(package) + 1 :] if key.startswith(package + ".") else None


def _lookup(doc: Any, key: str) -> Any:
    node = doc
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _value_at(tree: Mapping[str, Any], key: str) -> Any:
    found = _lookup(tree, key)
    if found is _MISSING:
        raise ExperimentError(f"{key} is not among the experiment's parameters")
    return found


def _apply_choices(tree: _ConfigTree, overrides: Sequence[str]) -> list[str]:
    """Apply the group choices among ``overrides`` to the defaults list; return the keys of
    the value overrides (written afterwards, from the experiment's params.yaml).

    A choice of a global variant (``experiment=forest``: a file with ``# @package _global_``)
    becomes part of the base config instead of being selected: its group choices go into the
    defaults list, its values into the files that set them. The ``experiment`` slot stays free
    for the next variant, and `make smoke` (``experiment=smoke``) keeps the kept model.
    """
    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except (HydraException, OmegaConfBaseException) as error:
        raise ExperimentError(f"its recorded overrides do not parse: {error}") from error
    values = []
    for override in parsed:
        key = override.key_or_group
        if override.is_sweep_override() or override.package:
            raise ExperimentError(f"{override.input_line}: sweeps and packages cannot be kept")
        if not tree.is_group(key):
            if override.is_delete():
                raise ExperimentError(f"{override.input_line}: delete the key in configs/ by hand")
            values.append(key)
            continue
        option = None if override.is_delete() else override.value()
        if option is not None and not isinstance(option, str):
            raise ExperimentError(f"{override.input_line}: a group takes one option name")
        current = tree.choice(key)
        path = tree.option_file(key, option) if option else None
        if (
            path
            and path.is_file()
            and not tree.package(path, key)
            and (current is None or current[1] is None)
        ):
            _flatten_variant(tree, path)
        else:
            tree.choose(key, option)
    return values


def _flatten_variant(tree: _ConfigTree, path: Path) -> None:
    """Take a global variant's group choices (``override /model: random_forest``)."""
    for entry in tree.doc(path).get("defaults") or []:
        if isinstance(entry, Mapping) and len(entry) == 1:
            target = str(next(iter(entry)))
            if target.startswith("override "):
                tree.choose(target.removeprefix("override ").strip().strip("/"), entry[target])
                continue
        if entry != "_self_":
            raise ExperimentError(f"{path.name}: its defaults entry {entry} cannot be kept")


def write_back(
    config_dir: Path, overrides: Sequence[str] | None, target: Mapping[str, Any]
) -> tuple[dict[Path, str], str]:
    """Edit a copy of ``config_dir`` so that it composes to ``target`` (an experiment's
    parameters): group choices from ``overrides`` (None: not recorded), then every value that
    still differs, in the file that sets it. Returns the new text of each changed file (by
    path relative to ``config_dir``) and the composition as params.yaml text."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / config_dir.name
        shutil.copytree(config_dir, copy)
        tree = _ConfigTree(copy)
        first = _apply_choices(tree, overrides) if overrides is not None else []
        for key in first:
            tree.set_value(key, _value_at(target, key), over_interpolations=False)
        tree.save()
        # Values still differing: pass 1 leaves interpolations alone (``${seed}`` follows the
        # seed written in pass 1), pass 2 overwrites what still differs, pass 3 checks.
        for attempt in range(3):
            text, values = _composed(copy)
            differing = _differing_keys(values, target)
            if not differing:
                break
            unmatched = sorted(_flat(values).keys() ^ _flat(target).keys())
            if attempt == 2 or (overrides is None and unmatched):
                why = (
                    "its overrides were not recorded (it did not come from `make exp`) and a "
                    "config group changed"
                    if overrides is None and unmatched
                    else "the written-back configs/ would not compose to its params.yaml"
                )
                raise ExperimentError(f"{why}; the parameters that differ: {_listed(differing)}")
            flat_target = _flat(target)
            for key in differing:
                if key not in flat_target:
                    raise ExperimentError(f"{key} is not among the experiment's parameters")
                tree.set_value(key, flat_target[key], over_interpolations=attempt == 1)
            tree.save()
        changed = {}
        for path in sorted(copy.rglob("*.yaml")):
            relative = path.relative_to(copy)
            new = path.read_text(encoding="utf-8")
            if new != (config_dir / relative).read_text(encoding="utf-8"):
                changed[relative] = new
        return changed, text


def _composed(config_dir: Path) -> tuple[str, dict[str, Any]]:
    try:
        return _composed_values(config_dir)
    except ConfigError as error:
        raise ExperimentError(f"the written-back configs/ do not compose: {error}") from error


@dataclass
class Experiment:
    name: str
    commit: str
    baseline: str
    params_text: str
    overrides: list[str] | None  # None: not run by `make exp`


def find_experiment(name: str) -> Experiment:
    if not name:
        raise ExperimentError(
            "which experiment? make keep EXP=<name> (make exp prints the name; "
            "`poetry run dvc exp show` lists them all)"
        )
    refs = [ref for ref, ref_name in experiment_refs().items() if ref_name == name]
    if not refs:
        raise ExperimentError(
            f"no experiment named {name!r}: `poetry run dvc exp show` lists the experiments"
        )
    if len(refs) > 1:
        raise ExperimentError(
            f"{len(refs)} experiments are named {name!r}, on different commits: remove the "
            f"older ones with `poetry run dvc exp remove`"
        )
    match = _EXP_REF.match(refs[0])
    assert match is not None
    commit = _git("rev-parse", refs[0]).strip()
    params = _committed(PARAMS_FILE, commit)
    if params is None:
        raise ExperimentError(f"experiment {name} has no {PARAMS_FILE}")
    message = _git("log", "-1", "--format=%B", commit)
    overrides = None
    for line in message.splitlines():
        if line.startswith(RECORD_PREFIX):
            try:
                overrides = [str(item) for item in json.loads(line.removeprefix(RECORD_PREFIX))]
            except (json.JSONDecodeError, TypeError) as error:
                raise ExperimentError(f"experiment {name} has a damaged record: {line}") from error
    return Experiment(name, commit, match["a"] + match["b"], params.decode("utf-8"), overrides)


@contextmanager
def _configs_of(commit: str) -> Iterator[Path]:
    """The experiment's own configs/ (uncommitted edits of its run included)."""
    archive = _git_bytes("archive", "--format=tar", commit, "--", CONFIG_DIR.as_posix())
    if archive is None:
        raise ExperimentError(f"its commit {commit[:7]} has no {CONFIG_DIR}/")
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(scratch, filter="data")
        yield Path(scratch) / CONFIG_DIR


def _unsaved(path: Path, new: bytes | None, commit: str, stamp: Path) -> bool:
    """Whether overwriting ``path`` with ``new`` loses work: it differs from ``new``, from
    HEAD's version and from the experiment's (which holds the edits it ran with); a
    params.yaml composed from configs/ is never work of its own."""
    current = path.read_bytes() if path.is_file() else None
    if current is None or current in (new, _committed(path), _committed(path, commit)):
        return False
    return not (path == PARAMS_FILE and _came_from_configs(current.decode(), path, stamp))


def keep(name: str, stamp: Path = STAMP_FILE) -> list[Path]:
    """Make experiment ``name`` the project's state; return the config files written."""
    experiment = find_experiment(name)
    head = _head()
    if experiment.baseline != head:
        again = (
            f' with make exp ARGS="{" ".join(experiment.overrides)}"'
            if experiment.overrides
            else ""
        )
        raise ExperimentError(
            f"experiment {name} ran on commit {experiment.baseline[:7]}, not on the current "
            f"commit {(head or 'none')[:7]}: run it again here{again}, or check out "
            f"{experiment.baseline[:7]} first"
        )
    target = yaml.safe_load(experiment.params_text)
    with _configs_of(experiment.commit) as exp_configs:
        edits, params_text = write_back(exp_configs, experiment.overrides, target)
        new_configs = {
            CONFIG_DIR / path: (exp_configs / path).read_bytes()
            for path in _relative_files(exp_configs)
        }
    new_configs.update({CONFIG_DIR / path: text.encode("utf-8") for path, text in edits.items()})
    # Nothing overwritten without consent: every file keep or `dvc exp apply` writes.
    applied = _git("diff", "--name-only", "--no-renames", head or "", experiment.commit).split()
    writes = {Path(path): _committed(Path(path), experiment.commit) for path in applied}
    writes.update(new_configs)
    writes[PARAMS_FILE] = params_text.encode("utf-8")
    unsaved = sorted(
        str(path) for path, new in writes.items() if _unsaved(path, new, experiment.commit, stamp)
    )
    if unsaved:
        raise ExperimentError(
            f"keeping {name} would overwrite uncommitted changes in {_listed(unsaved)}: commit "
            f"them, stash them (git stash -u) or discard them (git checkout -- <file>), then "
            f"run it again"
        )
    applied_run = subprocess.run(
        [sys.executable, "-m", "dvc", "exp", "apply", name],
        capture_output=True,
        text=True,
        check=False,
    )
    if applied_run.returncode != 0:
        raise ExperimentError(
            f"dvc exp apply {name} failed: {' '.join(applied_run.stderr.split())}"
        )
    for path, content in new_configs.items():
        if not path.is_file() or path.read_bytes() != content:
            path.write_bytes(content)
    PARAMS_FILE.write_text(params_text, encoding="utf-8")
    _record_stamp(params_text, stamp)
    return [CONFIG_DIR / path for path in edits]


def _relative_files(root: Path) -> list[Path]:
    return [path.relative_to(root) for path in root.rglob("*") if path.is_file()]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="params.yaml and DVC experiments, from configs/.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("params", help="compose configs/ into params.yaml (make params)")
    run = commands.add_parser("run", help="run an experiment (make exp)")
    run.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. model.C=0.1")
    kept = commands.add_parser("keep", help="make an experiment the project's state (make keep)")
    kept.add_argument("name", nargs="?", default="", help="the experiment's name")
    args = parser.parse_args(argv)
    try:
        if args.command == "params":
            if write_params():
                print(f"wrote {PARAMS_FILE}", file=sys.stderr)
        elif args.command == "run":
            name = run_experiment(args.overrides)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "dvc",
                    "exp",
                    "show",
                    "--no-pager",
                    "--only-changed",
                    "--md",
                    "--drop",
                    "(data|models|reports)/.*",  # file hashes: the metrics have their own columns
                ],
                check=False,
            )
            print(f"\nExperiment {name}. To make it the project's state: make keep EXP={name}")
        else:
            written = keep(args.name)
            files = ", ".join(str(path) for path in written) or "nothing to change"
            print(
                f"Kept experiment {args.name}: configs/ now composes to its parameters "
                f"({files}); its params.yaml, dvc.lock and outputs are in the workspace. Commit "
                f"them: git add -A && git commit -m 'Keep experiment {args.name}' && make push"
            )
    except (ExperimentError, ConfigError) as error:
        sys.exit(f"make {'exp' if args.command == 'run' else args.command}: {error}")


if __name__ == "__main__":
    main()
