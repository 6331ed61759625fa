"""The DVC remote, for `make data` and the git pre-push hook: when the remote cannot be used, one
line that names it and says what to do, instead of DVC's pages of output or silence.

    python -m {{ cookiecutter.package_name }}.storage pull --bundled data/raw/x.csv
        get the workspace's data and models. An empty remote is fine for outputs that the
        project can make itself (--bundled: the sample data that `make data` exports).
    python -m {{ cookiecutter.package_name }}.storage push-commits
        push the data and models of the commits that `git push` publishes (not the workspace's:
        after `make exp` it may hold an experiment), then check that the remote has them all.
        pre-commit's pre-push stage runs it with PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF.

Credentials never come from here: each cloud library reads its own chain (environment,
profiles, `.dvc/config.local`); see the README, "Team storage".
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# What a teammate sets when the remote refuses them, per remote kind (the README says more).
CREDENTIAL_HINTS = {
    "s3": "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run"
    " `dvc remote modify --local {name} access_key_id ...` and `... secret_access_key ...`",
    "gs": "set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run"
    " `gcloud auth application-default login`",
    "azure": "set AZURE_STORAGE_CONNECTION_STRING, or run"
    " `dvc remote modify --local {name} account_name ...` and `az login`",
    "ssh": "load your key (`ssh-add`), or run `dvc remote modify --local {name} keyfile <key>`"
    " (and `... user <login>`)",
}
# Words in the names of the exceptions that cloud libraries raise for a refused login
# (botocore's NoCredentialsError, google-auth's DefaultCredentialsError, Azure's
# ClientAuthenticationError, asyncssh's PermissionDenied, ...).
_CREDENTIAL_WORDS = ("Credential", "Auth", "PermissionDenied", "Forbidden", "AccessDenied")
_PLUGIN = re.compile(r"'(dvc-[a-z]+)'")


class StorageError(Exception):
    """The remote cannot be used: the message is one line that says what to do."""


@dataclass(frozen=True)
class Remote:
    name: str
    url: str

    @property
    def scheme(self) -> str:
        return self.url.split("://", 1)[0] if "://" in self.url else "local"

    def __str__(self) -> str:
        return f"'{self.name}' ({self.url})"


def default_remote(repo: Any) -> Remote:
    """The project's default DVC remote, as `.dvc/config` and `.dvc/config.local` set it."""
    name = repo.config["core"].get("remote")
    if not name:
        raise StorageError(
            "the project has no default DVC remote: add one with"
            " `dvc remote add --default storage <url>` (see the README, Team storage)"
        )
    return Remote(name, str(repo.config["remote"][name]["url"]))


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def describe(remote: Remote, error: BaseException, logged: Sequence[str] = ()) -> str:
    """One line: why `remote` cannot be used (a missing plugin, a refused login, no answer).
    `logged`: DVC's error messages, for an error that only counts the files that failed."""
    causes = list(_causes(error))
    for cause in causes:
        if isinstance(cause, ImportError):
            match = _PLUGIN.search(str(cause))
            plugin = match.group(1) if match else "its plugin"
            return (
                f"the DVC remote {remote} needs {plugin}, which is not installed: run"
                f" `make install` (pyproject.toml installs the plugin of the remote it was made"
                f" with), or add it: `poetry add --group dev {plugin}`"
            )
    for cause in causes:
        names = " ".join(cls.__name__ for cls in type(cause).__mro__)
        if isinstance(cause, PermissionError) or any(w in names for w in _CREDENTIAL_WORDS):
            hint = CREDENTIAL_HINTS.get(remote.scheme, "check your access to it").format(
                name=remote.name
            )
            return (
                f"the DVC remote {remote} refused access ({_first_line(cause)}): {hint}"
                " (README: Team storage)"
            )
    reason = logged[0] if logged else _first_line(causes[-1])
    return (
        f"cannot use the DVC remote {remote} ({reason}): check its URL in .dvc/config (does the"
        f" bucket or container exist?), its endpoint (`dvc remote modify --local {remote.name}"
        " endpointurl <url>` for a self-hosted store) and the network"
    )


class _DvcErrors(logging.Handler):
    """DVC's error messages, kept instead of printed: the first one names the cause."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().splitlines()[0])


@contextmanager
def _dvc_quiet() -> Iterator[_DvcErrors]:
    """DVC logs a warning or an error for each file it cannot move: this module says it once."""
    errors = _DvcErrors()
    loggers = [logging.getLogger(name) for name in ("dvc", "dvc_data", "dvc_objects", "")]
    saved = [(logger.handlers, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.handlers = [errors]
        logger.propagate = False
    try:
        yield errors
    finally:
        for logger, (handlers, propagate) in zip(loggers, saved, strict=True):
            logger.handlers = handlers
            logger.propagate = propagate


def check_reachable(repo: Any, remote: Remote) -> None:
    """Raise StorageError unless the remote answers (a remote with nothing in it yet is fine)."""
    try:
        with _dvc_quiet():
            cloud = repo.cloud.get_remote(remote.name)
            cloud.fs.exists(cloud.path)
    except Exception as error:
        raise StorageError(describe(remote, error)) from error


def _missing_outputs(repo: Any) -> list[str]:
    """Outputs that the workspace's .dvc files and dvc.lock record but the workspace lacks."""
    return sorted(
        str(out)  # the path from the project's root
        for out in repo.index.outs
        if out.use_cache and out.hash_info and not out.exists
    )


def pull(repo: Any, remote: Remote, bundled: Sequence[str] = ()) -> str:
    """Pull the workspace's outputs; return what happened, or raise StorageError."""
    check_reachable(repo, remote)
    with _dvc_quiet() as logged:
        try:
            result = repo.pull(remote=remote.name, allow_missing=True)
        except Exception as error:
            raise StorageError(describe(remote, error, logged.messages)) from error
    bundled_paths = {Path(path).as_posix() for path in bundled}
    missing = _missing_outputs(repo)
    lost = [path for path in missing if Path(path).as_posix() not in bundled_paths]
    if lost:
        raise StorageError(
            f"{len(lost)} output(s) are neither here nor on the remote {remote}:"
            f" {', '.join(lost)}; whoever committed them runs `make push` (the pre-push hook"
            " does it on `git push`), or rebuild them with `make pipeline`"
        )
    fetched = result.get("stats", {}).get("fetched", 0) if isinstance(result, dict) else 0
    if missing:
        return (
            f"The DVC remote {remote} does not hold {', '.join(missing)} yet"
            " (normal in a new project): the bundled sample is exported"
        )
    return f"Data and models are here ({fetched} file(s) pulled from the DVC remote {remote})"


def commits_to_push(
    from_ref: str, to_ref: str, remote_name: str, root: str | Path = "."
) -> list[str]:
    """The commits that `git push` publishes: those after `from_ref` (what the git remote has),
    or, for a new branch, those on no branch of that remote."""
    if not to_ref or set(to_ref) == {"0"}:
        return []  # a branch deletion publishes nothing
    if from_ref and set(from_ref) != {"0"}:
        exclude = from_ref
    else:
        exclude = f"--remotes={remote_name}" if remote_name else "--remotes"
    command = ["git", "-C", str(root), "rev-list", to_ref, "--not", exclude]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()


def _outputs_by_hash(repo: Any, revs: Sequence[str]) -> dict[Any, str]:
    """Each cached output of each commit in `revs`: its hash -> '<path> (commit <short sha>)'."""
    outputs: dict[Any, str] = {}
    for rev in repo.brancher(revs=list(revs), workspace=False):
        for out in repo.index.outs:
            if out.use_cache and out.hash_info:
                outputs.setdefault(out.hash_info, f"{out} (commit {rev[:8]})")
    return outputs


def push_commits(repo: Any, remote: Remote, revs: Sequence[str]) -> str:
    """Push the outputs of `revs` to the remote and check that it has every one of them."""
    if not revs:
        return "No new commits: nothing to push to the DVC remote"
    check_reachable(repo, remote)
    with _dvc_quiet() as logged:
        try:
            pushed = repo.push(revs=list(revs), remote=remote.name, workspace=False)
            outputs = _outputs_by_hash(repo, revs)
            status = repo.cloud.status(list(outputs), remote=remote.name)
        except Exception as error:
            raise StorageError(describe(remote, error, logged.messages)) from error
    absent = sorted(outputs[hash_info] for hash_info in status.missing | status.new)
    if absent:
        raise StorageError(
            f"git push stopped: {len(absent)} output(s) of the commits being pushed are neither"
            f" in this clone's DVC cache nor on the DVC remote {remote}: {', '.join(absent)};"
            " rebuild them (`make pipeline` at that commit) or pull them, then push again"
        )
    return (
        f"DVC remote {remote}: {pushed} file(s) pushed, all outputs of {len(revs)} commit(s) there"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    pull_parser = commands.add_parser("pull", help="get the workspace's data and models")
    pull_parser.add_argument(
        "--bundled", action="append", default=[], help="an output the project makes itself"
    )
    commands.add_parser("push-commits", help="the pre-push hook (pre-commit's environment)")
    args = parser.parse_args(argv)

    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    try:
        repo = Repo(".")
    except DvcException as error:  # .dvc/config or .dvc/config.local that DVC cannot read
        print(f"DVC cannot open this project: {error}", file=sys.stderr)
        return 1
    try:
        with repo:
            remote = default_remote(repo)
            if args.command == "pull":
                print(pull(repo, remote, args.bundled))
            else:
                revs = commits_to_push(
                    os.environ.get("PRE_COMMIT_FROM_REF", ""),
                    os.environ.get("PRE_COMMIT_TO_REF", "HEAD"),
                    os.environ.get("PRE_COMMIT_REMOTE_NAME", ""),
                    repo.root_dir,
                )
                print(push_commits(repo, remote, revs))
    except StorageError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
