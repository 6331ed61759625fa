"""Generated projects, installed and run the way their users run them: through their Makefile.

Two representative projects are installed (installing takes about a minute each):
- the default answers, rendered by cookiecutter: the whole first-run promise, experiments,
  and a second clone that gets data and models back with `dvc pull`;
- non-default answers with hostile free text, rendered by copier: Apache-2.0, no CI, no
  experiment tracker, no serving, no ONNX export.
Both use the default Python, 3.11; test_pythons.py installs and runs a 3.12 and a 3.13 project,
and test_container.py builds and runs the serving image.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tomllib
from pathlib import Path

import pytest

from tests.helpers import (
    PIPELINE_OUTPUTS,
    assert_make_serve_answers_like_predict,
    free_port,
    porcelain,
    started,
    trained,
    wait_until_serving,
)
from tools.project import commit_all, run
from tools.render import TEMPLATE_ROOT, default_index_url, render

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("install")]


def test_first_run_is_green_format_clean_and_reproducible(
    default_project: Path, env: dict[str, str]
) -> None:
    project = default_project
    toplevel = run(["git", "rev-parse", "--show-toplevel"], project, env).stdout.strip()
    assert Path(toplevel) == project.resolve()
    assert (project / "data/raw/breast_cancer.csv").is_file()  # make install exported the sample
    assert porcelain(project, env) == set()  # ...and it matches the committed .dvc file

    run(["make", "lint"], project, env)
    run(["make", "test"], project, env)
    run(["make", "pipeline"], project, env)
    assert porcelain(project, env) == PIPELINE_OUTPUTS
    # The export_onnx stage wrote the ONNX model, and DVC versions it like the native one.
    assert (project / "models/model.onnx").is_file()
    tracked = run(["poetry", "run", "dvc", "ls", "--dvc-only", ".", "models"], project, env)
    assert set(tracked.stdout.split()) == {"model.joblib", "model.onnx", "run.json"}

    run(["make", "format"], project, env)
    assert porcelain(project, env) == PIPELINE_OUTPUTS  # the template's code is already formatted

    again = run(["make", "pipeline"], project, env)
    assert "Data and pipelines are up to date." in again.stdout + again.stderr

    metrics = json.loads((project / "reports/metrics.json").read_text())
    assert set(metrics) == {"accuracy", "balanced_accuracy", "f1_macro", "roc_auc"}
    assert metrics["accuracy"] > 0.9

    # The pipeline wrote the report; `make report` finds it up to date, with the run's numbers.
    report = run(["make", "report"], project, env)
    assert "didn't change, skipping" in report.stdout + report.stderr
    html = (project / "reports/report.html").read_text(encoding="utf-8")
    card = (project / "reports/model_card.md").read_text(encoding="utf-8")
    for value in metrics.values():
        assert f'<td class="number">{value}</td>' in html
        assert f" | {value} |" in card
    commit_all(project, env, "First pipeline run")  # the git hooks accept the report as written


def test_the_template_lints_every_render_with_the_ruff_its_projects_lock(
    default_project: Path,
) -> None:
    """test_render.py runs the template's ruff on every combination; a project's `make lint` runs
    the ruff its poetry.lock holds. Ruff changes rules and style in minor releases only."""
    lock = tomllib.loads((default_project / "poetry.lock").read_text(encoding="utf-8"))
    [locked] = [package["version"] for package in lock["package"] if package["name"] == "ruff"]
    requirements = (TEMPLATE_ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    [pinned] = [line.removeprefix("ruff==") for line in requirements.split() if "ruff==" in line]
    assert pinned.split(".")[:2] == locked.split(".")[:2], (
        f"projects lock ruff {locked}: pin ruff=={locked} in requirements-dev.txt"
    )


def test_make_smoke_writes_only_to_build(default_project: Path, env: dict[str, str]) -> None:
    run(["make", "smoke"], default_project, env)
    assert (default_project / "build/scratch/reports/metrics.json").is_file()
    assert (default_project / "build/scratch/reports/report.html").is_file()  # what CI uploads
    assert (default_project / "build/scratch/reports/model_card.md").is_file()
    assert porcelain(default_project, env) == set()  # build/ is ignored, tracked outputs untouched


def test_make_schema_rewrites_the_reviewed_schema_only_when_forced(
    default_project: Path, env: dict[str, str]
) -> None:
    """The bundled sample's schema ships as `make schema` writes it, and a person's edit of it
    is never overwritten without FORCE=1."""
    project = default_project
    schema = project / "data/schema/breast_cancer.yaml"
    reviewed = schema.read_text().replace(
        "mean_radius: {type: float, min: 4.8,", "mean_radius: {type: float, min: 5,"
    )
    schema.write_text(reviewed)
    refused = run(["make", "schema"], project, env, check=False)
    assert refused.returncode != 0
    [line] = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert "data/schema/breast_cancer.yaml exists" in line and "make schema FORCE=1" in line
    assert schema.read_text() == reviewed
    run(["make", "schema", "FORCE=1"], project, env)
    assert porcelain(project, env) == set()  # written again from the data: the shipped file


def test_make_serve_answers_like_the_predict_command(
    default_project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    project = trained(default_project, env)
    assert_make_serve_answers_like_predict(project, env, tmp_path)
    assert porcelain(project, env) == set()


def poetry_python(project: Path, env: dict[str, str], code: str) -> str:
    return run(["poetry", "run", "python", "-c", code], project, env).stdout


# Reads the MLflow run named in models/run.json from the project's local store.
READ_RUN = """
import json, mlflow
mlflow.set_tracking_uri("sqlite:///mlruns/mlflow.db")
run = mlflow.get_run(json.load(open("models/run.json"))["run_id"])
print(json.dumps({"metrics": run.data.metrics, "params": run.data.params, "tags": run.data.tags}))
"""


# The MLflow distributions in an environment.
MLFLOW_DISTRIBUTIONS = """
from importlib import metadata
names = {distribution.metadata["Name"] for distribution in metadata.distributions()}
print(*sorted(names & {"mlflow", "mlflow-skinny", "mlflow-tracing"}))
"""


def test_pipeline_runs_are_tracked_and_make_ui_shows_them(
    default_project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    project = trained(default_project, env)
    recorded = json.loads(poetry_python(project, env, READ_RUN))
    metrics = json.loads((project / "reports/metrics.json").read_text())
    assert recorded["metrics"] == pytest.approx(metrics)
    assert recorded["params"]["model.C"] == "1.0"
    assert recorded["params"]["model._target_"] == "sklearn.linear_model.LogisticRegression"
    commits = run(["git", "log", "--format=%H"], project, env).stdout.split()
    assert recorded["tags"]["git.commit"] in commits
    raw = hashlib.sha256((project / "data/raw/breast_cancer.csv").read_bytes()).hexdigest()
    assert recorded["tags"]["data.raw_sha256"] == raw
    run_id = json.loads((project / "models/run.json").read_text())["run_id"]

    port = free_port()
    log = tmp_path / "ui.log"
    first_use = not (project / ".venv-ui").exists()  # test_tracking_server.py installs it too
    with started(["make", "ui", f"UI_PORT={port}"], project, env, log) as server:
        shown = wait_until_serving(
            f"http://127.0.0.1:{port}/api/2.0/mlflow/runs/get?run_id={run_id}",
            server,
            log,
            tries=3000,  # the first `make ui` installs the UI server before starting it
        )
    assert shown["run"]["info"]["run_id"] == run_id  # type: ignore[index]
    assert porcelain(project, env) == set()  # mlruns/ and .venv-ui/ are ignored

    # The UI is the locked client's version, from the project's index, in its own environment:
    # the project's keeps mlflow-skinny alone, whole (the full mlflow ships the same files).
    lock = tomllib.loads((project / "poetry.lock").read_text(encoding="utf-8"))
    [client] = [
        package["version"] for package in lock["package"] if package["name"] == "mlflow-skinny"
    ]
    requirement = f"--index-url={default_index_url()} mlflow=={client}"
    assert (project / ".venv-ui/requirement").read_text().split() == requirement.split()
    if first_use:
        installing = [line for line in log.read_text().splitlines() if "Installing" in line]
        assert installing == [
            f"Installing the MLflow UI (mlflow=={client}) into .venv-ui/, an environment of its"
            " own, on first use"
        ]
    ui_version = run([".venv-ui/bin/python", "-m", "pip", "show", "mlflow"], project, env)
    assert f"Version: {client}" in ui_version.stdout.splitlines()
    installed = poetry_python(project, env, MLFLOW_DISTRIBUTIONS).split()
    assert installed == ["mlflow-skinny"]
    assert json.loads(poetry_python(project, env, READ_RUN))["tags"] == recorded["tags"]


def test_make_notebook_executes_the_example_with_parameters(
    default_project: Path, env: dict[str, str]
) -> None:
    project = default_project
    assert not (project / ".venv/bin/papermill").exists()  # `make install` leaves it out
    executed_by = run(["make", "notebook", "ARGS=-p n_errors 3"], project, env)
    installing = [line for line in executed_by.stdout.splitlines() if "Installing" in line]
    assert installing == [
        "Installing the notebook runner (papermill and a Jupyter kernel, the notebook group)"
        " on first use"
    ]
    executed = json.loads(
        (project / "reports/notebooks/1.0-tpl-explore-errors.ipynb").read_text(encoding="utf-8")
    )
    code = [cell for cell in executed["cells"] if cell["cell_type"] == "code"]
    injected = [cell for cell in code if "injected-parameters" in cell["metadata"].get("tags", [])]
    assert len(injected) == 1 and "n_errors = 3" in "".join(injected[0]["source"])
    outputs = [output for cell in code for output in cell.get("outputs", [])]
    assert outputs and not [output for output in outputs if output["output_type"] == "error"]
    errors_table = "".join(code[-1]["outputs"][-1]["data"]["text/html"])
    assert 0 < errors_table.split("<tbody>")[1].count("<tr") <= 3  # n_errors rows at most
    assert porcelain(project, env) == set()  # executed copies are not committed
    committed = json.loads((project / "notebooks/1.0-tpl-explore-errors.ipynb").read_text())
    assert not any(cell.get("outputs") for cell in committed["cells"])


def test_exp_run_with_an_override_is_a_new_comparable_experiment(
    default_project: Path, env: dict[str, str]
) -> None:
    project = default_project
    before = porcelain(project, env)
    shown = run(["make", "--no-print-directory", "exp", "ARGS=model.C=0.05 seed=7"], project, env)
    name = shown.stdout.strip().splitlines()[-1].rsplit("make keep EXP=", 1)[1]
    assert f"[{name}]" in shown.stdout  # its row in the comparison table
    rows = json.loads(run(["poetry", "run", "dvc", "exp", "show", "--json"], project, env).stdout)
    baseline = next(row for row in rows if row["rev"] != "workspace")  # HEAD
    revs = [rev for exp in baseline["experiments"] or [] for rev in exp.get("revs") or []]
    data = next(rev["data"] for rev in revs if rev.get("name") == name)
    params = data["params"]["params.yaml"]["data"]
    assert (params["model"]["C"], params["seed"], params["model"]["random_state"]) == (0.05, 7, 7)
    base_params = baseline["data"]["params"]["params.yaml"]["data"]
    assert base_params["model"]["C"] == 1.0
    metrics = data["metrics"]["reports/metrics.json"]["data"]
    assert metrics != baseline["data"]["metrics"]["reports/metrics.json"]["data"]
    # DVC ran it in a temporary copy: the workspace still holds the committed run...
    assert porcelain(project, env) == before
    status = run(["poetry", "run", "dvc", "status"], project, env)
    assert "Data and pipelines are up to date." in status.stdout
    # ...and its MLflow run is in the project's own store all the same.
    with sqlite3.connect(project / "mlruns/mlflow.db") as store:
        tagged = store.execute("SELECT value FROM tags WHERE key = 'dvc.experiment'").fetchall()
    assert (name,) in tagged


def test_make_sweep_and_make_tune_run_hydra_jobs_beside_the_dvc_outputs(
    default_project: Path, env: dict[str, str]
) -> None:
    project = default_project
    before = porcelain(project, env)
    sweeps = project / "sweeps"
    overrides = "experiment=smoke model.C=0.1,1 hydra/launcher=joblib hydra.launcher.n_jobs=2"
    swept = run(["make", "--no-print-directory", "sweep", f"ARGS={overrides}"], project, env)
    [folder] = sweeps.iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    assert {job["status"] for job in summary["jobs"]} == {"ok"}
    assert {tuple(job["overrides"][1:]) for job in summary["jobs"]} == {
        ("model.C=0.1",),
        ("model.C=1",),
    }
    assert f'make exp ARGS="{" ".join(summary["best"]["overrides"])}"' in swept.stdout
    # One MLflow run for the sweep, the training run of each job its child.
    with sqlite3.connect(project / "mlruns/mlflow.db") as store:
        [(parent,)] = store.execute(
            "SELECT run_uuid FROM tags WHERE key = 'sweep.folder' AND value = ?",
            (f"sweeps/{folder.name}",),
        ).fetchall()
        children = store.execute(
            "SELECT count(*) FROM tags WHERE key = 'mlflow.parentRunId' AND value = ?", (parent,)
        ).fetchone()
    assert children == (2,)

    tuned = run(
        ["make", "--no-print-directory", "tune", "ARGS=experiment=smoke hydra.sweeper.n_trials=2"],
        project,
        env,
    )
    [search] = set(sweeps.iterdir()) - {folder, sweeps / "optuna.db"}
    study = json.loads((search / "optuna.json").read_text())
    assert (study["study"], study["complete"]) == ("logistic_regression", 2)
    assert json.loads((search / "best" / "result.json").read_text())["status"] == "ok"
    assert "Its test metrics (the test set's only use)" in tuned.stdout
    # Sweeps and searches write under sweeps/ only, which git and DVC ignore.
    assert porcelain(project, env) == before


def test_a_clone_pulls_data_and_models_from_the_default_remote(
    default_project: Path, env: dict[str, str], home: Path, tmp_path: Path
) -> None:
    run(["make", "push"], default_project, env)
    remote = home / "dvc-storage" / default_project.name
    assert remote.is_dir()  # `~` in the default remote URL is the user's home

    clone = tmp_path / "clone"
    run(["git", "clone", "--quiet", str(default_project), str(clone)], tmp_path, env)
    run(["make", "install"], clone, env)
    assert (clone / "data/raw/breast_cancer.csv").is_file()
    assert (clone / "models/model.joblib").is_file()  # pulled, not retrained
    assert (clone / "models/model.onnx").is_file()
    status = run(["poetry", "run", "dvc", "status"], clone, env)
    assert "Data and pipelines are up to date." in status.stdout
    run(["make", "pipeline"], clone, env)
    assert porcelain(clone, env) == set()


def test_own_data_as_the_readme_says_runs_and_keeps_tests_green(
    default_project: Path, env: dict[str, str]
) -> None:
    """README "Use your own data": a CSV in data/raw/, `dvc add`, a data config naming it and its
    schema, `make schema`; then a new snapshot that breaks the schema stops the pipeline."""
    project = default_project
    make_iris = (
        "from sklearn.datasets import load_iris; b = load_iris(as_frame=True); f = b.frame;"
        "f['species'] = f.pop('target').map(dict(enumerate(b.target_names)));"
        "f.to_csv('data/raw/my_data.csv', index=False)"
    )
    run(["poetry", "run", "python", "-c", make_iris], project, env)
    run(["poetry", "run", "dvc", "add", "data/raw/my_data.csv"], project, env)
    sample_config = (project / "configs/data/breast_cancer.yaml").read_text()
    (project / "configs/data/my_data.yaml").write_text(
        sample_config.replace("data/raw/breast_cancer.csv", "data/raw/my_data.csv")
        .replace("target: diagnosis", "target: species")
        .replace("data/schema/breast_cancer.yaml", "data/schema/my_data.yaml")
    )
    config = project / "configs/config.yaml"
    config.write_text(config.read_text().replace("- data: breast_cancer", "- data: my_data"))
    run(["make", "schema"], project, env)
    schema = (project / "data/schema/my_data.yaml").read_text()
    assert "  species: {type: str, categories: [setosa, versicolor, virginica]" in schema

    run(["make", "pipeline"], project, env)  # the ONNX export is checked on iris's test split
    errors = (project / "reports/errors.csv").read_text()
    assert "species" not in errors.splitlines()[0]  # the target is not among the inputs
    assert {"setosa", "versicolor", "virginica"} & set(errors.replace(",", " ").split())
    run(["make", "test"], project, env)  # the tests still run on the bundled sample

    # Next month's snapshot, a new file as the README says, brings a class the schema lacks.
    snapshot = "data/raw/my_data-2026-12.csv"
    add_class = (
        "import pandas as pd; f = pd.read_csv('data/raw/my_data.csv');"
        f"f.loc[:2, 'species'] = 'hybrid'; f.to_csv('{snapshot}', index=False)"
    )
    run(["poetry", "run", "python", "-c", add_class], project, env)
    run(["poetry", "run", "dvc", "add", snapshot], project, env)
    data_config = project / "configs/data/my_data.yaml"
    data_config.write_text(data_config.read_text().replace("data/raw/my_data.csv", snapshot))
    model = (project / "models/model.joblib").read_bytes()
    stopped = run(["make", "pipeline"], project, env, check=False)
    assert stopped.returncode != 0
    [line] = [line for line in stopped.stderr.splitlines() if line.startswith("error:")]
    assert line.startswith(f"error: {snapshot} breaks its schema data/schema/my_data.yaml: ")
    rule = "'categories: [setosa, versicolor, virginica]'"
    assert f"column 'species' (the target) breaks {rule}: 3 of 150 rows (e.g. 'hybrid')" in line
    assert (project / "models/model.joblib").read_bytes() == model  # nothing trained on it

    # Back to the committed project on the bundled sample, for the other tests that share it.
    run(["git", "checkout", "--quiet", "--", "."], project, env)
    run(["git", "clean", "-fdq", "--", "configs", "data"], project, env)  # my_data's files
    run(["poetry", "run", "dvc", "checkout", "--quiet", "--force"], project, env)
    assert not (project / "data/raw/my_data.csv").exists()


# Its own project, not the shared default one: a group of its own lets it run on the other
# xdist worker, beside the long `install` group.
@pytest.mark.xdist_group("hostile")
def test_hostile_answers_install_and_pass_their_own_checks(
    template: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    answers = {
        "project_name": 'Ünïcode: "Quoted" \\ Project',
        "project_slug": "hostile-project",
        "package_name": "hostile_project",
        "description": "Colons: yes; quotes \"double\" and 'single'; # not a comment",
        "author_name": "Zoë O'Brien \\ Jr.",
        "license": "Apache-2.0",
        "ci": "none",
        "experiment_tracker": "none",
        "serving": "none",
        "onnx_export": "no",
        "dvc_remote_url": str(tmp_path / "remote"),
        "package_index_url": default_index_url(),
    }
    project = render("copier", template, tmp_path, answers)
    assert not (project / "Dockerfile").exists()
    assert not (project / "src/hostile_project/serving.py").exists()
    assert not (project / "src/hostile_project/tracking.py").exists()
    assert "mlflow" not in (project / "pyproject.toml").read_text(encoding="utf-8")
    assert not (project / "src/hostile_project/export_onnx.py").exists()
    assert "export_onnx" not in (project / "dvc.yaml").read_text()
    metadata = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [name for name in metadata["dependencies"] if "onnx" in name]
    assert metadata["description"] == answers["description"]
    assert metadata["authors"][0]["name"] == answers["author_name"]
    run(["make", "install"], project, env)
    commit_all(project, env, "Start from the ML template")
    run(["make", "lint"], project, env)
    run(["make", "test"], project, env)
    run(["make", "pipeline"], project, env)
    assert not (project / "mlruns").exists()
    assert "run_info" not in (project / "params.yaml").read_text(encoding="utf-8")
