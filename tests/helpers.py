"""Helpers for tests that drive installed generated projects and the servers they start."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tools.project import run


def porcelain(project: Path, env: dict[str, str]) -> set[str]:
    return set(run(["git", "status", "--porcelain"], project, env).stdout.splitlines())


# What a pipeline run may add to `git status`: DVC's lock file and the small reports that DVC
# tracks in git (metrics, plots data, the errors table, the HTML report and the model card).
# Data and models are git-ignored.
PIPELINE_OUTPUTS = {
    "?? dvc.lock",
    "?? reports/data_validation.json",
    "?? reports/errors.csv",
    "?? reports/metrics.json",
    "?? reports/model_card.md",
    "?? reports/plots/",
    "?? reports/report.html",
}


def trained(project: Path, env: dict[str, str]) -> Path:
    """The project with its model trained: `make pipeline` is up to date after the first-run
    test, and trains when a test runs on its own."""
    run(["make", "pipeline"], project, env)
    return project


def native_prediction(
    project: Path, env: dict[str, str], scratch: Path, package: str = "my_ml_project"
) -> tuple[dict[str, str], dict[str, str]]:
    """The first raw row without its target, and what `python -m <package>.predict` says of it."""
    with (project / "data/raw/breast_cancer.csv").open(newline="") as raw:
        row = next(csv.DictReader(raw))
    del row["diagnosis"]
    (scratch / "row.csv").write_text(",".join(row) + "\n" + ",".join(row.values()) + "\n")
    command = ["python", "-m", f"{package}.predict", str(scratch / "row.csv")]
    run(["poetry", "run", *command, str(scratch / "out.csv")], project, env)
    with (scratch / "out.csv").open(newline="") as out:
        return row, next(csv.DictReader(out))


def assert_served_like_native(base_url: str, row: dict[str, str], native: dict[str, str]) -> None:
    """POST `row` to the API's /predict and compare its answer with the predict command's."""
    request = urllib.request.Request(
        f"{base_url}/predict",
        data=json.dumps({"instances": [{k: float(v) for k, v in row.items()}]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        [prediction] = json.load(response)["predictions"]
    assert prediction["predicted"] == native["predicted"]
    for label, probability in prediction["probabilities"].items():
        assert probability == pytest.approx(float(native[f"probability_{label}"]))


def assert_make_serve_answers_like_predict(
    project: Path, env: dict[str, str], scratch: Path
) -> None:
    """Start `make serve` on a free port, wait for a loaded model, and check that its /predict
    answers the first raw row as the project's predict command does; stop the server after."""
    row, native = native_prediction(project, env, scratch)
    port = free_port()
    log = scratch / "serve.log"
    with started(["make", "serve", f"PORT={port}"], project, env, log) as server:
        health = wait_until_serving(f"http://127.0.0.1:{port}/health", server, log)
        assert health["model_loaded"] is True
        assert_served_like_native(f"http://127.0.0.1:{port}", row, native)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_serving(
    url: str, server: subprocess.Popen[bytes], log: Path, tries: int = 600
) -> dict[str, object]:
    """GET `url` until the server answers (a bounded number of tries), and return its JSON.

    A server that accepted the connection but is still starting (the MLflow UI opens its store
    on the first request) may not answer within a try on a busy machine: that is one more try."""
    for _ in range(tries):
        if server.poll() is not None:
            pytest.fail(f"{server.args} exited {server.returncode}:\n{log.read_text()[-6000:]}")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                answer: dict[str, object] = json.load(response)
                return answer
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"{server.args} did not answer at {url}:\n{log.read_text()[-6000:]}")


@contextmanager
def started(
    command: list[str], project: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a long-running make target (a server) in its own process group, output to `log`,
    and stop it with everything it started on leaving the block."""
    with log.open("wb") as output:
        server = subprocess.Popen(
            command,
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield server
    finally:
        stop(server)


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop `make serve` and everything it started (its own process group)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
