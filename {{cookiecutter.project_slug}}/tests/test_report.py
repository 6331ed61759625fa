"""The HTML report and the model card: they show the run's own numbers, escape what comes from
the data, fetch nothing, and are the same bytes for the same run."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import escape
from omegaconf import OmegaConf

from {{ cookiecutter.package_name }} import report
from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.models import load_model, save_model

from .conftest import smoke_run_config

# What the report stage reads; the rest of a run's outputs it writes.
INPUTS = ("train", "test", "model", "metrics", "errors", "confusion", "roc")


@pytest.fixture
def run_config(sample_csv: Path, smoke_run: Path) -> Config:
    """The shared smoke run (conftest.py), report included: read it, never change it."""
    return smoke_run_config(sample_csv, smoke_run)


@pytest.fixture
def copy_config(sample_csv: Path, smoke_run: Path, tmp_path: Path) -> Config:
    """A config whose report inputs are copies of the shared run's: free to edit."""
    run = smoke_run_config(sample_csv, smoke_run)
    copy = smoke_run_config(sample_csv, tmp_path)
    for name in INPUTS:
        copy.output(name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(run.output(name), copy.output(name))
    return copy


def html_of(config: Config) -> str:
    return config.output("report").read_text(encoding="utf-8")


def test_report_shows_the_metrics_of_the_run(run_config: Config) -> None:
    html = html_of(run_config)
    metrics = json.loads(run_config.output("metrics").read_text())
    assert len(metrics) == 4
    for name, value in metrics.items():
        label = report.METRIC_NAMES[name]
        assert f'<tr><td>{label}</td><td class="number">{value}</td></tr>' in html


def test_report_shows_every_error_row_and_the_config(run_config: Config) -> None:
    html = html_of(run_config)
    with run_config.output("errors").open(newline="") as errors_file:
        header, *rows = csv.reader(errors_file)
    assert rows, "the smoke run makes some mistakes"
    assert "<tr>" + "".join(f"<th>{column}</th>" for column in header) + "</tr>" in html
    for row in rows:
        assert "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" in html
    assert f'<pre id="config">{escape(OmegaConf.to_yaml(run_config))}</pre>' in html
    assert html.count("<svg") == 2  # the confusion matrix and the ROC curve


def test_values_from_the_data_are_escaped(copy_config: Config) -> None:
    errors = pd.read_csv(copy_config.output("errors"), index_col="row_id")
    errors.loc[errors.index[0], "actual"] = "<script>alert('x')</script> & co"
    errors = errors.rename(columns={"confidence": "<b>confidence</b>"})
    errors.to_csv(copy_config.output("errors"))
    report.run(copy_config)
    html = html_of(copy_config)
    assert "<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</td>" in html
    assert "<th>&lt;b&gt;confidence&lt;/b&gt;</th>" in html
    assert "<script" not in html and "<b>" not in html


def test_report_is_self_contained(run_config: Config) -> None:
    html = html_of(run_config)
    for fetches in ("<script", "<link", "<img", "<image", "<iframe", "src=", "@import"):
        assert fetches not in html
    # The only references are the SVGs' own (clip paths and markers, by id), and in a project
    # that serves its model, a link to the playground that `make serve` starts.
    references = re.findall(r'href="([^"]*)"', html) + re.findall(r"url\(([^)]*)\)", html)
    links = [reference for reference in references if not reference.startswith("#")]
    serves = importlib.util.find_spec(f"{report.PACKAGE}.serving") is not None
    assert links == (["http://127.0.0.1:8000/"] if serves else [])
    references = [reference for reference in references if reference not in links]
    assert references and all(reference.startswith("#") for reference in references)


def test_same_inputs_same_bytes(copy_config: Config) -> None:
    """No date, no random SVG ids: DVC and git see a change only when the run changed."""
    outputs = [copy_config.output("report"), copy_config.output("model_card")]
    report.run(copy_config)
    first = [path.read_bytes() for path in outputs]
    report.run(copy_config)
    assert [path.read_bytes() for path in outputs] == first


def test_model_card_has_the_metrics_and_the_sections_to_fill_in(run_config: Config) -> None:
    card = run_config.output("model_card").read_text(encoding="utf-8")
    metrics = json.loads(run_config.output("metrics").read_text())
    for name, value in metrics.items():
        assert f"| {report.METRIC_NAMES[name]} | {value} |" in card
    assert f"`{run_config.model['_target_']}`" in card
    for section in ("## Model", "## Data", "## Metrics", "## Intended use", "## Limitations"):
        assert f"\n{section}\n" in card
    intended_use, limitations = card.split("## Intended use")[1].split("## Limitations")
    assert "**To fill in.**" in intended_use and "**To fill in.**" in limitations
    assert card.endswith(f"```yaml\n{OmegaConf.to_yaml(run_config)}```\n")


def test_a_model_trained_in_epochs_gets_its_learning_curves(copy_config: Config) -> None:
    report.run(copy_config)
    assert 'id="learning-curves"' not in html_of(copy_config)  # fitted in one call
    model = load_model(copy_config.output("model"))
    history = [
        {"epoch": 1, "train_loss": 0.9, "val_loss": 0.7, "val_accuracy": 0.6},
        {"epoch": 2, "train_loss": 0.5, "val_loss": 0.4, "val_accuracy": 0.8},
        {"epoch": 3, "train_loss": 0.3, "val_loss": 0.5, "val_accuracy": 0.8},
    ]
    model.history = history  # type: ignore[attr-defined]  # what a network records
    save_model(model, copy_config.output("model"))
    report.run(copy_config)
    html = html_of(copy_config)
    assert html.count("<svg") == 3
    curves = html.split('id="learning-curves"')[1].split("</figure>")[0]
    for text in ("Loss per epoch", "Validation accuracy per epoch", "kept (best validation)"):
        assert text in curves


def test_no_mistakes_says_so(copy_config: Config) -> None:
    errors = pd.read_csv(copy_config.output("errors"), index_col="row_id")
    errors.head(0).to_csv(copy_config.output("errors"))
    report.run(copy_config)
    assert "The model got every test row right." in html_of(copy_config)
    assert '<table id="errors">' not in html_of(copy_config)


def test_confusion_counts_give_every_label_a_row_and_a_column() -> None:
    predictions = pd.DataFrame({"actual": ["a", "a", "b"], "predicted": ["a", "c", "b"]})
    counts = report.confusion_counts(predictions)
    assert list(counts.index) == list(counts.columns) == ["a", "b", "c"]
    assert counts.to_numpy().tolist() == [[1, 0, 1], [0, 1, 0], [0, 0, 0]]


def test_roc_of_many_classes_says_it_is_micro_averaged() -> None:
    roc = pd.DataFrame({"fpr": [0.0, 0.5, 1.0], "tpr": [0.0, 0.9, 1.0]})
    assert report.roc_figure(roc, 0.9, n_classes=2).axes[0].get_title() == "ROC curve (test set)"
    titled = report.roc_figure(roc, None, n_classes=3).axes[0].get_title()
    assert titled == "ROC curve (test set, micro-average)"


def test_a_run_without_outputs_says_to_run_the_pipeline(tmp_path: Path) -> None:
    with pytest.raises(
        SystemExit, match=r"^error: .*/metrics\.json, .* not found: run the pipeline first"
    ):
        report.main(["experiment=smoke", f"paths.root={tmp_path}"])
