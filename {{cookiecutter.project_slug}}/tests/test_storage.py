"""The DVC remote checks of `make data` and the pre-push hook, on a real DVC repository whose
remote is a local directory (no network)."""

from __future__ import annotations

import importlib.util
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from dvc.repo import Repo

from {{ cookiecutter.package_name }} import storage


def git(root: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(root)]
    return subprocess.run([*command, *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A git + DVC repository with one tracked file, committed, and an empty local remote."""
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "--quiet")
    with Repo.init(root) as repo:
        with repo.config.edit() as config:
            config["core"]["remote"] = "storage"
            config["remote"]["storage"] = {"url": str(tmp_path / "remote")}
        (root / "data").mkdir()
        (root / "data" / "data.csv").write_text("x\n1\n")
        repo.add(str(root / "data" / "data.csv"))
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "data")
    yield root


def empty_cache(root: Path) -> None:
    for path in (root / ".dvc" / "cache").rglob("*"):
        if path.is_file():
            path.unlink()


def remote_of(root: Path) -> tuple[Repo, storage.Remote]:
    repo = Repo(root)
    return repo, storage.default_remote(repo)


def test_an_empty_remote_is_fine_for_bundled_outputs(project: Path) -> None:
    (project / "data" / "data.csv").unlink()
    empty_cache(project)
    repo, remote = remote_of(project)
    assert "normal in a new project" in storage.pull(repo, remote, bundled=["data/data.csv"])
    with pytest.raises(
        storage.StorageError, match=r"neither here nor on the remote.*data/data\.csv"
    ):
        storage.pull(repo, remote)


def test_a_pushed_commit_is_pulled_elsewhere(project: Path, tmp_path: Path) -> None:
    repo, remote = remote_of(project)
    (project / "data" / "data.csv").write_text("x\n2\n")  # the workspace differs from the commit
    repo.add(str(project / "data" / "data.csv"))
    message = storage.push_commits(repo, remote, storage.commits_to_push("", "HEAD", "", project))
    assert "1 file(s) pushed" in message
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(project), str(clone))
    clone_repo, clone_remote = remote_of(clone)
    assert "1 file(s) pulled" in storage.pull(clone_repo, clone_remote)
    assert (
        clone / "data" / "data.csv"
    ).read_text() == "x\n1\n"  # the commit's, not the workspace's


def test_a_push_stops_when_an_output_is_not_in_the_cache(project: Path) -> None:
    repo, remote = remote_of(project)
    empty_cache(project)
    with pytest.raises(storage.StorageError, match=r"git push stopped: 1 output.*data/data\.csv"):
        storage.push_commits(repo, remote, [git(project, "rev-parse", "HEAD").strip()])


def test_commits_to_push(project: Path) -> None:
    first = git(project, "rev-parse", "HEAD").strip()
    git(project, "commit", "--quiet", "--allow-empty", "-m", "second")
    second = git(project, "rev-parse", "HEAD").strip()
    zeros = "0" * 40
    assert storage.commits_to_push(first, second, "origin", project) == [second]
    assert storage.commits_to_push(zeros, second, "", project) == [second, first]
    assert storage.commits_to_push(first, zeros, "origin", project) == []


def test_a_missing_plugin_is_one_line_and_a_failure(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A remote kind whose plugin this environment lacks.
    scheme = next(
        s for s in ("gdrive", "oss", "hdfs", "gs") if not importlib.util.find_spec(f"dvc_{s}")
    )
    with Repo(project) as repo, repo.config.edit() as config:
        config["remote"]["storage"] = {"url": f"{scheme}://bucket/x"}
    monkeypatch.chdir(project)
    assert storage.main(["pull"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert f"'storage' ({scheme}://bucket/x) needs dvc-{scheme}" in error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ImportError("gs is supported, but requires 'dvc-gs' to be installed"), "needs dvc-gs"),
        (type("NoCredentialsError", (Exception,), {})("none"), "refused access (none): set AWS"),
        (PermissionError("403"), "refused access (403)"),
        (ConnectionRefusedError(111, "refused"), "cannot use the DVC remote"),
    ],
)
def test_each_failure_is_one_line_that_names_the_remote(error: Exception, expected: str) -> None:
    wrapped = RuntimeError("1 files failed")
    wrapped.__cause__ = error
    message = storage.describe(storage.Remote("storage", "s3://bucket/x"), wrapped)
    assert expected in message
    assert "'storage' (s3://bucket/x)" in message
    assert "\n" not in message


def test_a_project_without_a_remote(project: Path) -> None:
    with Repo(project) as repo:
        with repo.config.edit() as config:
            del config["core"]["remote"]
        with pytest.raises(storage.StorageError, match="no default DVC remote"):
            storage.default_remote(Repo(project))


def test_a_failure_that_only_counts_files_names_dvcs_cause() -> None:
    remote = storage.Remote("storage", "azure://container/x")
    logged = ["failed to transfer 'ab12' - No such container: 'container'", "second"]
    message = storage.describe(remote, RuntimeError("2 files failed to upload"), logged)
    assert "(failed to transfer 'ab12' - No such container: 'container')" in message
    assert "does the bucket or container exist?" in message


def test_a_config_dvc_cannot_read_is_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".dvc" / "config.local").write_text("['remote \"storage\"']\n    nonsense = 1\n")
    monkeypatch.chdir(project)
    assert storage.main(["pull"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("DVC cannot open this project: ") and error.count("\n") == 1
