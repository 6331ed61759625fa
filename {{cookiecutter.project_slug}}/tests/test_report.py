"""The HTML report and the model card: they show the run's own numbers, escape what comes from
the data, fetch nothing, and are the same bytes for the same run."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import escape
from omegaconf import OmegaConf

from {{ cookiecutter.package_name }} import pipeline, report
from {{ cookiecutter.package_name }}.config import Config

from .conftest import PROJECT_ROOT, smoke_config

# What the report stage reads; the rest of a run's outputs it writes.
INPUTS = ("train", "test", "metrics", "errors", "confusion", "roc")


@pytest.fixture(scope="module")
def run_dir(sample_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One smoke run of the whole pipeline, report included, shared by the tests below."""
    out = tmp_path_factory.mktemp("run")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(PROJECT_ROOT)
        pipeline.run(smoke_config(sample_csv, out))
    yield out


@pytest.fixture
def run_config(sample_csv: Path, run_dir: Path) -> Config:
    return smoke_config(sample_csv, run_dir)


@pytest.fixture
def copy_config(sample_csv: Path, run_dir: Path, tmp_path: Path) -> Config:
    """A config whose report inputs are copies of the shared run's: free to edit."""
    run, copy = smoke_config(sample_csv, run_dir), smoke_config(sample_csv, tmp_path)
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
    # The only references are the SVGs' own: clip paths and markers, by id.
    references = re.findall(r'href="([^"]*)"', html) + re.findall(r"url\(([^)]*)\)", html)
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
