"""The run's report and model card, for people: the ``report`` stage.

Reads what the other stages wrote (train and test sets, metrics, plot data, the worst
mispredictions) and the config, and writes:

* ``reports/report.html``: one self-contained page (metrics, confusion matrix and ROC curve as
  inline SVG, the errors table, the config) that opens in any browser, offline, without Python;
* ``reports/model_card.md``: the model card. Its "Intended use" and "Limitations" sections are
  written by people, in ``templates/model_card.md.j2``, so that every new card keeps them.

The same run gives the same bytes, so git and DVC see a change only when the results change.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from omegaconf import OmegaConf

from {{ cookiecutter.package_name }}.config import Config, run_stage
from {{ cookiecutter.package_name }}.data import load_dataset

log = logging.getLogger(__name__)

PROJECT_NAME = "{{ cookiecutter.project_name | replace('\\', '\\\\') | replace('"', '\\x22') }}"
PACKAGE = "{{ cookiecutter.package_name }}"
TEMPLATE_DIR = Path(__file__).parent / "templates"

METRIC_NAMES = {
    "accuracy": "Accuracy",
    "balanced_accuracy": "Balanced accuracy",
    "f1_macro": "Macro F1",
    "roc_auc": "ROC AUC",
}


TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=jinja2.select_autoescape(["html.j2"]),  # every value on the page is escaped
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class RunResults:
    """What the report shows, read from the files the run wrote."""

    metrics: dict[str, float]
    confusion: pd.DataFrame  # counts: actual labels as rows, predicted labels as columns
    roc: pd.DataFrame  # fpr, tpr
    errors_header: list[str]
    errors_rows: list[list[str]]  # cells exactly as in the errors file
    train_rows: int
    test_rows: int
    feature_columns: list[str]
    class_counts: dict[str, int]  # label: rows, train and test sets together


def read_results(config: Config) -> RunResults:
    """Read the outputs of a run; a missing one says to run the pipeline first."""
    inputs = [
        config.output(name) for name in ("train", "test", "metrics", "errors", "confusion", "roc")
    ]
    missing = [str(path) for path in inputs if not path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"{', '.join(missing)} not found: run the pipeline first (`make pipeline`)"
        )
    train, test, metrics, errors, confusion, roc = inputs
    train_set = load_dataset(train, config.data.target)
    test_set = load_dataset(test, config.data.target)
    labels = pd.concat([train_set.target, test_set.target])
    with errors.open(newline="", encoding="utf-8") as errors_file:
        errors_header, *errors_rows = csv.reader(errors_file)
    return RunResults(
        metrics=json.loads(metrics.read_text(encoding="utf-8")),
        confusion=confusion_counts(pd.read_csv(confusion)),
        roc=pd.read_csv(roc),
        errors_header=errors_header,
        errors_rows=errors_rows,
        train_rows=len(train_set),
        test_rows=len(test_set),
        feature_columns=[str(column) for column in train_set.features.columns],
        class_counts={str(label): int(count) for label, count in labels.value_counts().items()},
    )


def confusion_counts(predictions: pd.DataFrame) -> pd.DataFrame:
    """Count each (actual, predicted) pair; every label gets a row and a column."""
    labels = sorted(set(predictions["actual"]) | set(predictions["predicted"]), key=str)
    counts = pd.crosstab(predictions["actual"], predictions["predicted"])
    return counts.reindex(index=labels, columns=labels, fill_value=0)


def confusion_figure(counts: pd.DataFrame) -> Figure:
    figure = Figure(figsize=(4.8, 4.2), layout="constrained")
    axes = figure.subplots()
    values = counts.to_numpy()
    axes.pcolormesh(values, cmap="Blues")  # vector cells (imshow would embed a bitmap)
    axes.invert_yaxis()  # first label at the top, as in a table
    axes.set_aspect("equal")
    centres = np.arange(len(counts)) + 0.5
    axes.set_xticks(centres, [str(label) for label in counts.columns])
    axes.set_yticks(centres, [str(label) for label in counts.index])
    axes.set(xlabel="Predicted", ylabel="Actual", title="Confusion matrix (test set)")
    dark = values.max() / 2
    for (row, column), value in np.ndenumerate(values):
        colour = "white" if value > dark else "black"
        axes.text(column + 0.5, row + 0.5, str(value), ha="center", va="center", color=colour)
    return figure


def roc_figure(roc: pd.DataFrame, auc: float | None, n_classes: int) -> Figure:
    figure = Figure(figsize=(4.8, 4.2), layout="constrained")
    axes = figure.subplots()
    label = "model" if auc is None else f"model (AUC {auc})"
    title = "ROC curve (test set)" if n_classes <= 2 else "ROC curve (test set, micro-average)"
    axes.plot(roc["fpr"], roc["tpr"], label=label)
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    axes.set(
        xlim=(0, 1),
        ylim=(0, 1.02),
        xlabel="False positive rate",
        ylabel="True positive rate",
        title=title,
    )
    axes.legend(loc="lower right")
    return figure


def to_svg(figure: Figure) -> str:
    """The figure as an ``<svg>`` element to put in an HTML page, the same bytes every time."""
    buffer = io.StringIO()
    # Nothing random: ids from a fixed salt instead of a random one, and no date. Text stays
    # text (small, selectable, drawn in the reader's sans-serif font).
    with mpl.rc_context({"svg.hashsalt": PACKAGE, "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # an inline <svg> needs no XML prolog, and no DTD to fetch
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    # No trailing spaces (path data has them): the repository's whitespace hook would edit them.
    return "\n".join(line.rstrip() for line in svg.splitlines())


def context(config: Config, results: RunResults) -> dict[str, Any]:
    """Everything the templates show."""
    model = dict(config.model)
    auc = results.metrics.get("roc_auc")
    return {
        "project_name": PROJECT_NAME,
        "config": config,
        "config_yaml": OmegaConf.to_yaml(config),
        "model_class": model.pop("_target_"),
        "hyperparameters": model,
        "metrics": [
            (METRIC_NAMES.get(name, name), value) for name, value in results.metrics.items()
        ],
        "results": results,
        "package": PACKAGE,
        "card_template": f"src/{PACKAGE}/templates/model_card.md.j2",
        "confusion_svg": to_svg(confusion_figure(results.confusion)),
        "roc_svg": to_svg(roc_figure(results.roc, auc, len(results.confusion))),
    }


def render_report(config: Config, results: RunResults) -> tuple[str, str]:
    """The HTML report and the Markdown model card of a run."""
    values = context(config, results)
    html = TEMPLATES.get_template("report.html.j2").render(values)
    card = TEMPLATES.get_template("model_card.md.j2").render(values)
    return html, card


def run(config: Config) -> tuple[Path, Path]:
    """The ``report`` stage: the run's outputs in, the HTML report and the model card out."""
    html, card = render_report(config, read_results(config))
    written = (config.output("report"), config.output("model_card"))
    for path, text in zip(written, (html, card), strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")  # the same bytes on every OS
    log.info("report: wrote %s and %s", *written)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    run_stage(argv, "Write the HTML report and the model card of the last run.", run)


if __name__ == "__main__":
    main()
