"""`make bench`'s own logic: which variants it measures, how it reads REF, and its table.
The measurements themselves are `make bench`'s business: tests never time anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import bench
from tools.bench import BenchError, Tree, Variant
from tools.git import git


def test_the_variants_are_every_other_choice_of_the_questions_that_change_the_install() -> None:
    variants = bench.all_variants()
    assert [variant.name for variant in variants[:2]] == ["template", "default"]
    named = {variant.name: dict(variant.answers) for variant in variants[2:]}
    assert named == {
        "framework=pytorch": {"framework": "pytorch"},
        "cluster=slurm": {"cluster": "slurm"},
        "python_version=3.12": {"python_version": "3.12"},
        "python_version=3.13": {"python_version": "3.13"},
    }


def test_variants_are_picked_by_name_or_by_choice_in_the_known_order() -> None:
    known = bench.all_variants()
    picked = bench.select_variants("3.13, pytorch,default", known)
    assert [v.name for v in picked] == ["default", "framework=pytorch", "python_version=3.13"]
    assert bench.select_variants("", known) == known
    assert bench.select_variants("cluster=slurm", known) == [
        Variant("cluster=slurm", {"cluster": "slurm"}, "slurm")
    ]


def test_an_unknown_variant_is_one_line_naming_the_choices() -> None:
    with pytest.raises(BenchError) as error:
        bench.select_variants("default,tensorflow", bench.all_variants())
    [line] = str(error.value).splitlines()
    assert line.startswith("unknown variant tensorflow in VARIANTS: choose from template, default,")
    assert "pytorch" in line and "3.12" in line


def test_a_ref_is_resolved_to_its_commit_and_an_unknown_one_is_one_line(tmp_path: Path) -> None:
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    git(tmp_path, "commit", "--quiet", "--allow-empty", "-m", "One")
    git(tmp_path, "tag", "v1")
    head = git(tmp_path, "rev-parse", "HEAD").strip()
    assert bench.resolve_ref(tmp_path, "v1") == head
    assert bench.resolve_ref(tmp_path, "main") == head
    with pytest.raises(BenchError) as error:
        bench.resolve_ref(tmp_path, "v9")
    [line] = str(error.value).splitlines()
    assert line.startswith("REF=v9 is not a commit of this repository")


@pytest.mark.parametrize(
    ("arguments", "start"),
    [
        (["--ref", "no-such-ref-anywhere"], "make bench: REF=no-such-ref-anywhere is not a commit"),
        (["--variants", "gpu"], "make bench: unknown variant gpu in VARIANTS"),
    ],
)
def test_bad_arguments_stop_the_bench_before_it_measures(
    arguments: list[str], start: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(arguments) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith(start)


def test_the_table_shows_goals_whether_they_are_met_and_the_change_from_ref() -> None:
    default = Variant("default")
    slurm = Variant("cluster=slurm", {"cluster": "slurm"}, "slurm")
    now = Tree("now (abc)", Path("."), Path("."))
    before = Tree("v1 (def)", Path("."), Path("."))
    now.figures = {
        ("default", "install"): 40.04,
        ("default", "packages"): 151,
        ("default", "test"): "`make test` exited 2: 1 failed",
        ("cluster=slurm", "packages"): 170,
    }
    before.figures = {("default", "install"): 50.0, ("default", "packages"): 151}
    lines = bench.report([default, slurm], [now, before]).splitlines()
    header, rule, *rows = lines
    names = ["variant", "figure", "goal", "now (abc)", "met", "v1 (def)", "change"]
    assert [cell.strip() for cell in header.split("|")[1:-1]] == names
    table = [line for line in lines if line.startswith("|")]
    assert len({len(line) for line in table}) == 1  # padded: the columns line up
    assert rule.split("|")[1:-1][3:5] == ["-" * 10 + ":", "-" * 5]  # numbers right-aligned
    cells = {
        (row.split("|")[1].strip(), row.split("|")[2].strip()): [
            cell.strip() for cell in row.split("|")[3:-1]
        ]
        for row in rows
        if row.startswith("| ")
    }
    assert cells["default", "make install, warm cache"] == [
        "<= 45 s",
        "40.0 s",
        "yes",
        "50.0 s",
        "-20%",
    ]
    assert cells["default", "packages in .venv"] == ["<= 150", "151", "NO", "151", "+0%"]
    assert cells["default", "make test"] == ["<= 10 s", "n/a [1]", "", "-", ""]
    # The package goal is the default environment's; others show their count only.
    assert cells["cluster=slurm", "packages in .venv"] == ["", "170", "", "-", ""]
    assert lines[-1] == "[1] default, now (abc): `make test` exited 2: 1 failed"
    assert len(rows) == len(default.figures) + len(slurm.figures) + 1  # one note


def test_a_failure_is_the_command_and_the_last_line_it_printed() -> None:
    error = bench.CommandFailed(
        "`make install` in /tmp/x/my-ml-project exited 2\n--- stdout ---\nPython 3.99 is not on"
        " PATH\n\n--- stderr ---\n"
    )
    assert bench.failure(error) == "`make install` exited 2: Python 3.99 is not on PATH"
    assert bench.failure(FileNotFoundError("no podman")) == "no podman"
