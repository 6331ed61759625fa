"""A team's shared MLflow server, for real: `mlflow server` on loopback as the tracking store.

The server is the full MLflow that `make ui` installs in the project's .venv-ui/ (an environment
of its own, at the version of the project's locked MLflow client), started by each test on a
free port with its own backend store and artifact store in a scratch folder, and artifacts
proxied through it (`--serve-artifacts`), as a team would run it. The project is pointed at it
the way a teammate does for one shell, `MLFLOW_TRACKING_URI`, so the shared default project's
committed files never change; what a run changes there is restored.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import free_port, porcelain, started, trained
from tools.project import commit_all, run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("team")]

EXPERIMENT = "my-ml-project"  # tracking.experiment of the default project: its slug


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    root: Path  # the server's stores: mlflow.db and artifacts/
    auth: tuple[str, str] | None = None  # the user the test reads the REST API as

    def api(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET `path` (or POST `body` to it) on the REST API, and return the JSON answer."""
        return json.loads(self.fetch(path, body))

    def fetch(self, path: str, body: dict[str, Any] | None = None) -> bytes:
        headers = {"Content-Type": "application/json"}
        if self.auth is not None:
            headers["Authorization"] = "Basic " + b64encode(":".join(self.auth).encode()).decode()
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: bytes = response.read()
            return answer

    def runs(self) -> list[dict[str, Any]]:
        """Every run of the project's experiment, found through the REST API, with its
        params, metrics and tags as plain dicts."""
        name = urllib.parse.quote(EXPERIMENT)
        experiment = self.api(f"/api/2.0/mlflow/experiments/get-by-name?experiment_name={name}")
        experiment_id = experiment["experiment"]["experiment_id"]
        found = self.api(
            "/api/2.0/mlflow/runs/search", {"experiment_ids": [experiment_id], "max_results": 100}
        )
        return [
            {
                "info": run["info"],
                **{
                    kind: {item["key"]: item["value"] for item in run["data"].get(kind, [])}
                    for kind in ("params", "metrics", "tags")
                },
            }
            for run in found.get("runs", [])
        ]

    def artifact(self, run: dict[str, Any], path: str) -> bytes:
        """Download a run's artifact through the server's artifact proxy."""
        location = run["info"]["artifact_uri"]
        assert location.startswith("mlflow-artifacts:/"), location  # proxied, not a local path
        stored = location.removeprefix("mlflow-artifacts:/").lstrip("/")
        return self.fetch(f"/api/2.0/mlflow-artifacts/artifacts/{stored}/{path}")


UI_MLFLOW = ".venv-ui/bin/mlflow"  # the file target of the project's Makefile that `make ui` needs


def ui_installed(project: Path, env: dict[str, str]) -> None:
    """The full MLflow, as the first `make ui` installs it (a no-op after the first time)."""
    run(["make", UI_MLFLOW], project, env)


@contextmanager
def mlflow_server(
    project: Path, env: dict[str, str], root: Path, *options: str, **server_env: str
) -> Iterator[Server]:
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        *(str(project / UI_MLFLOW), "server", "--host", "127.0.0.1", "--port", str(port)),
        *("--workers", "1", "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}"),
        *("--artifacts-destination", str(root / "artifacts"), "--serve-artifacts", *options),
    ]
    log = root / "server.log"
    with started(command, project, {**env, **server_env}, log) as process:
        server = Server(f"http://127.0.0.1:{port}", process, root)
        for _ in range(1500):  # /health answers without credentials, JSON or not
            if process.poll() is not None:
                pytest.fail(
                    f"mlflow server exited {process.returncode}:\n{log.read_text()[-6000:]}"
                )
            try:
                server.fetch("/health")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):  # still starting
                time.sleep(0.2)
        else:
            pytest.fail(f"mlflow server did not answer:\n{log.read_text()[-6000:]}")
        yield server


def committed_and_trained(project: Path, env: dict[str, str]) -> Path:
    """The shared default project trained and committed (the first-run test commits its
    pipeline outputs; alone, this test does)."""
    trained(project, env)
    if porcelain(project, env):
        commit_all(project, env, "First pipeline run")
    return project


def restore_committed_state(project: Path, env: dict[str, str]) -> None:
    """Put back the committed parameters, lock file, reports and DVC outputs (what a run in
    the shared project changed), for the tests that run after this one."""
    run(["git", "checkout", "--", "."], project, env)
    run(["poetry", "run", "dvc", "checkout", "--force", "--quiet"], project, env)
    assert porcelain(project, env) == set()


def head(project: Path, env: dict[str, str]) -> str:
    return run(["git", "rev-parse", "HEAD"], project, env).stdout.strip()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tracking_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if "tracking:" in line]


def test_runs_from_two_clones_land_on_the_team_server_with_everything(
    default_project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    project = committed_and_trained(default_project, env)
    ui_installed(project, env)
    run(["make", "push"], project, env)  # the teammate's clone pulls data and models
    teammate = tmp_path / "teammate"
    run(["git", "clone", "--quiet", str(project), str(teammate)], tmp_path, env)
    run(["make", "install"], teammate, env)

    try:
        with mlflow_server(project, env, tmp_path / "server") as server:
            team = {**env, "MLFLOW_TRACKING_URI": server.url}
            # One teammate tries an experiment...
            run(["make", "exp", "ARGS=model.C=0.5"], project, team)
            # ...the other changes a parameter, commits it, and runs the pipeline.
            config = teammate / "configs/config.yaml"
            config.write_text(config.read_text().replace("\nseed: 42 ", "\nseed: 7 "))
            assert "\nseed: 7 " in config.read_text()
            run(["make", "params"], teammate, team)
            commit_all(teammate, team, "Seed 7")
            run(["make", "pipeline"], teammate, team)
            runs = server.runs()
            assert len(runs) == 2
            experiments = run(["poetry", "run", "dvc", "exp", "list", "--name-only"], project, env)

            # The experiment: its DVC name, the default project's commit, its parameter.
            [experiment] = [r for r in runs if "dvc.experiment" in r["tags"]]
            assert experiment["tags"]["dvc.experiment"] in experiments.stdout.split()
            assert experiment["tags"]["git.commit"] == head(project, env)
            assert experiment["params"]["model.C"] == "0.5"
            assert experiment["params"]["seed"] == "42"
            reported = json.loads(server.artifact(experiment, "reports/metrics.json"))
            assert experiment["metrics"] == pytest.approx(reported)

            # The teammate's run: found by the commit only that clone has, with its numbers.
            [pipeline] = [r for r in runs if r["tags"]["git.commit"] == head(teammate, env)]
            assert "dvc.experiment" not in pipeline["tags"]
            assert pipeline["params"]["seed"] == "7"
            assert pipeline["params"]["model.C"] == "1.0"
            metrics = json.loads((teammate / "reports/metrics.json").read_text())
            assert pipeline["metrics"] == pytest.approx(metrics)
            assert metrics != reported
            raw = teammate / "data/raw/breast_cancer.csv"
            assert pipeline["tags"]["data.raw_sha256"] == sha256(raw)
            run_info = json.loads((teammate / "models/run.json").read_text())
            assert run_info == {"run_id": pipeline["info"]["run_id"], "tracking_uri": server.url}
            model = server.artifact(pipeline, "model/model.joblib")
            assert model == (teammate / "models/model.joblib").read_bytes()
            assert json.loads(server.artifact(pipeline, "reports/metrics.json")) == metrics
            config_logged = server.artifact(pipeline, "config.yaml").decode()
            assert "seed: 7" in config_logged.splitlines()

            # The artifacts went through the server into its store, not into the clones.
            stored = {path.name for path in (server.root / "artifacts").rglob("*")}
            assert {"model.joblib", "metrics.json", "errors.csv", "config.yaml"} <= stored
            assert not (teammate / "mlruns").exists()  # no local store in the clone
    finally:
        restore_committed_state(project, env)


def test_a_server_that_stops_answering_mid_run_costs_no_outputs(
    default_project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    project = committed_and_trained(default_project, env)
    ui_installed(project, env)
    try:
        with mlflow_server(project, env, tmp_path / "server") as server:
            team = {**env, "MLFLOW_TRACKING_URI": server.url}
            run(["poetry", "run", "dvc", "repro", "--force", "train"], project, team)
            run_id = json.loads((project / "models/run.json").read_text())["run_id"]
            assert run_id  # training was recorded; now the server hangs before evaluation
            os.killpg(server.process.pid, signal.SIGSTOP)  # connections open, no answers
            try:
                result = run(["make", "pipeline"], project, team)  # exits 0, or run() raises
            finally:
                os.killpg(server.process.pid, signal.SIGCONT)
            [warning] = tracking_lines(result)  # one line, bounded by the client's timeout
            assert "could not record the evaluation in MLflow" in warning
            assert "outputs are kept" in warning
            assert "Traceback" not in result.stdout + result.stderr
            status = run(["poetry", "run", "dvc", "status"], project, env)
            assert "Data and pipelines are up to date." in status.stdout  # every output written
            for output in ("metrics.json", "errors.csv", "report.html", "model_card.md"):
                assert (project / "reports" / output).is_file()
            # Answering again, the server has the training run, honestly without metrics.
            [recorded] = [r for r in server.runs() if r["info"]["run_id"] == run_id]
            assert recorded["metrics"] == {}
            assert recorded["params"]["model.C"] == "1.0"
    finally:
        restore_committed_state(project, env)


def auth_app_packages(target: Path, env: dict[str, str]) -> Path:
    """Flask-WTF, which MLflow's basic-auth app needs (`mlflow[auth]`) and `make ui` does not
    install: installed beside the UI's environment, not into it, for the server process alone."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target"]
    run([*command, str(target), "Flask-WTF<2", "WTForms"], target.parent, env)
    return target


def test_a_team_server_with_passwords_takes_them_from_mlflows_environment_variables(
    default_project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    """MLflow's own basic-auth app: the README's MLFLOW_TRACKING_USERNAME/PASSWORD work, a wrong
    password costs one warning and no output, and no password is ever written down."""
    project = committed_and_trained(default_project, env)
    ui_installed(project, env)
    root = tmp_path / "server"
    root.mkdir()
    admin = ("admin", secrets.token_urlsafe(16))
    auth = configparser.ConfigParser()
    auth["mlflow"] = {
        "default_permission": "READ",
        "database_uri": f"sqlite:///{root / 'auth.db'}",  # else basic_auth.db in the project
        "admin_username": admin[0],
        "admin_password": admin[1],
        "authorization_function": "mlflow.server.auth:authenticate_request_basic_auth",
    }
    with (root / "auth.ini").open("w") as ini:
        auth.write(ini)
    server_env = {
        "PYTHONPATH": str(auth_app_packages(tmp_path / "auth-app", env)),
        "MLFLOW_AUTH_CONFIG_PATH": str(root / "auth.ini"),
        "MLFLOW_FLASK_SERVER_SECRET_KEY": secrets.token_hex(16),
    }
    password = secrets.token_urlsafe(16)
    try:
        with mlflow_server(project, env, root, "--app-name", "basic-auth", **server_env) as server:
            anonymous = Server(server.url, server.process, root)
            with pytest.raises(urllib.error.HTTPError) as refused:
                anonymous.fetch("/api/2.0/mlflow/experiments/search?max_results=1")
            assert refused.value.code == 401  # the server does ask for credentials
            server.auth = admin
            server.api("/api/2.0/mlflow/users/create", {"username": "alice", "password": password})

            # What the README tells a teammate to set, in their own environment.
            alice = {
                **env,
                "MLFLOW_TRACKING_URI": server.url,
                "MLFLOW_TRACKING_USERNAME": "alice",
                "MLFLOW_TRACKING_PASSWORD": password,
            }
            result = run(["poetry", "run", "dvc", "repro", "--force", "evaluate"], project, alice)
            run_info = (project / "models/run.json").read_text()
            runs = server.runs()
            assert len(runs) == 1, result.stdout + result.stderr
            [recorded] = runs
            assert json.loads(run_info) == {
                "run_id": recorded["info"]["run_id"],
                "tracking_uri": server.url,
            }
            metrics = json.loads((project / "reports/metrics.json").read_text())
            assert recorded["metrics"] == pytest.approx(metrics)
            assert recorded["info"]["user_id"] == "alice"
            written = [run_info, result.stdout, result.stderr, *recorded["params"].values()]
            assert not [text for text in [*written, *recorded["tags"].values()] if password in text]

            # A wrong password: one warning per stage, every output written, exit 0.
            wrong = {**alice, "MLFLOW_TRACKING_PASSWORD": "not-" + password}
            result = run(["poetry", "run", "dvc", "repro", "--force", "evaluate"], project, wrong)
            training, evaluation = tracking_lines(result)
            assert "could not record the training run in MLflow" in training
            assert "401" in training
            assert "training run was not recorded; metrics not logged" in evaluation
            assert json.loads((project / "models/run.json").read_text())["run_id"] is None
            assert json.loads((project / "reports/metrics.json").read_text()) == metrics
            assert len(server.runs()) == 1

            # The password in the URI works too, and is neither shown nor written.
            in_uri = {
                **env,
                "MLFLOW_TRACKING_URI": server.url.replace("//", f"//alice:{password}@"),
            }
            result = run(["poetry", "run", "dvc", "repro", "--force", "train"], project, in_uri)
            assert password not in result.stdout + result.stderr
            run_info = (project / "models/run.json").read_text()
            assert json.loads(run_info)["tracking_uri"] == server.url
            assert len(server.runs()) == 2
    finally:
        restore_committed_state(project, env)
