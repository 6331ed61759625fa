"""`make bench`: what the template and its projects cost, beside the goals of issue 14.

Measures, for each variant (`VARIANTS=default,pytorch` picks some; all by default):
- template: each engine's median render time (default answers), and `make test-fast`;
- default, and each other choice of the questions in VARIED (PyTorch, SLURM, every other Python,
  read from questions.yaml): `make install` with a warm package cache, the environment's package
  count and size on disk, `make pipeline` from scratch, `make lint` and the project's `make test`;
- for the default project, where podman can run (tools/container.py), its serving image: the
  build cold, cached and after a change to the code, and its size.
A warm cache is the shared one of build/cache: when the first install of a variant downloads
anything into it, a fresh render installs again and that install is the one timed.

`make bench REF=<git ref>` also measures the template as of REF, checked out in a detached git
worktree, with this bench code, and prints its figures beside today's: a regression shows.
Progress goes to stderr; the table, in Markdown, to stdout. Wall-clock times: compare runs on
the same machine, and expect noise when it is busy.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tools.container import (
    ContainerUnavailable,
    Podman,
    build,
    image_size,
    stand_in_base,
    unavailable_reason,
)
from tools.git import GitFailed, git
from tools.project import CACHE_ROOT, CommandFailed, commit_all, project_env, run
from tools.questions import load
from tools.render import (
    ENGINES,
    TEMPLATE_ROOT,
    RenderError,
    copy_template,
    default_index_url,
    render,
)
from tools.torch_index import find_torch_wheel, torch_index

RENDER_RUNS = 5
# The questions whose other choices install a different environment: each is a variant.
VARIED = ("framework", "cluster", "python_version")
COUNT_PACKAGES = "import importlib.metadata as m; print(len({d.name for d in m.distributions()}))"
# What goes wrong in a measurement: the figure then shows why instead of a number.
MEASUREMENT_ERRORS = (CommandFailed, RenderError, ContainerUnavailable, OSError)


class BenchError(Exception):
    """A bad VARIANTS or REF: the message is the one line to show."""


@dataclass(frozen=True)
class Figure:
    label: str
    unit: str
    goal: float | None = None  # met when the figure is at most this
    goal_variants: tuple[str, ...] = ()  # the variants the goal is for; () for every one

    def goal_for(self, variant: str) -> float | None:
        return self.goal if not self.goal_variants or variant in self.goal_variants else None


# The figures of issue 14 and their goals. Not here: the template's whole `make test` (goal: 25
# minutes from an empty cache), half an hour of its own; CI's log shows its time and slowest tests.
FIGURES: dict[str, Figure] = {
    **{f"render {engine}": Figure(f"render, {engine}", "s") for engine in ENGINES},
    "test-fast": Figure("template make test-fast", "s", 120),
    "install": Figure("make install, warm cache", "s", 45),
    "packages": Figure("packages in .venv", "", 150, goal_variants=("default",)),
    "venv": Figure(".venv on disk", "MB"),
    "pipeline": Figure("make pipeline from scratch", "s", 8),
    "lint": Figure("make lint", "s"),
    "test": Figure("make test", "s", 10),
    "image cold": Figure("image build, cold", "s"),
    "image cached": Figure("image build, cached", "s"),
    "image new code": Figure("image build, new code", "s"),
    "image size": Figure("image size", "MB"),
}
TEMPLATE_FIGURES = (*(f"render {engine}" for engine in ENGINES), "test-fast")
PROJECT_FIGURES = ("install", "packages", "venv", "pipeline", "lint", "test")
IMAGE_FIGURES = ("image cold", "image cached", "image new code", "image size")


@dataclass(frozen=True)
class Variant:
    name: str
    answers: Mapping[str, str] = field(default_factory=dict)
    alias: str = ""  # a shorter name VARIANTS takes too: the choice alone

    @property
    def figures(self) -> tuple[str, ...]:
        if self.name == "template":
            return TEMPLATE_FIGURES
        return (*PROJECT_FIGURES, *IMAGE_FIGURES) if self.name == "default" else PROJECT_FIGURES


def all_variants(root: Path = TEMPLATE_ROOT) -> list[Variant]:
    spec = load(root)
    variants = [Variant("template"), Variant("default")]
    for name in VARIED:
        question = spec.question(name)
        variants += [
            Variant(f"{name}={choice}", {name: choice}, alias=choice)
            for choice in question.choices
            if choice != question.default
        ]
    return variants


def select_variants(text: str, known: Sequence[Variant]) -> list[Variant]:
    """The variants named in `text` (comma-separated names or aliases; empty: all), in the
    order of `known`."""
    if not text.strip():
        return list(known)
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(names - {v.name for v in known} - {v.alias for v in known if v.alias})
    if unknown:
        choices = ", ".join(v.alias or v.name for v in known)
        raise BenchError(f"unknown variant {', '.join(unknown)} in VARIANTS: choose from {choices}")
    return [v for v in known if v.name in names or (v.alias and v.alias in names)]


def resolve_ref(repo: Path, ref: str) -> str:
    """The commit `ref` names in `repo`; BenchError when it names none."""
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
    except GitFailed:
        raise BenchError(
            f"REF={ref} is not a commit of this repository: give a branch, a tag or a commit"
            " (git log --oneline lists them)"
        ) from None


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Tree:
    """One state of the template being measured: its repository folder and a copy to render."""

    label: str
    root: Path
    template: Path
    figures: dict[tuple[str, str], float | str] = field(default_factory=dict)
    """(variant, figure) -> the number, or why there is none."""


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def failure(error: BaseException) -> str:
    """A failed measurement in one line: the command and its output's last line."""
    if isinstance(error, CommandFailed):
        command = re.sub(r" in \S+ exited", " exited", str(error).splitlines()[0])
        output = [line for line in str(error).splitlines()[1:] if line.strip()]
        output = [line for line in output if not line.startswith("--- ")]
        return f"{command}: {output[-1].strip()}" if output else command
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def timed(command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> float:
    start = time.perf_counter()
    run(command, cwd, env)
    return time.perf_counter() - start


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def cached_artifacts() -> int:
    """Files in Poetry's download cache: more after an install means it downloaded some."""
    folder = CACHE_ROOT / "poetry" / "artifacts"
    return sum(1 for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else 0


def measure_template(tree: Tree, scratch: Path) -> Iterator[tuple[str, float]]:
    for engine in ENGINES:
        times = []
        for attempt in range(RENDER_RUNS):
            start = time.perf_counter()
            render(engine, tree.template, scratch / f"{engine}-{attempt}", {})
            times.append(time.perf_counter() - start)
        yield f"render {engine}", statistics.median(times)
    # The tree's own `make test-fast`, with this .venv (-o: never reinstall it from that tree).
    env = project_env()
    yield "test-fast", timed(["make", "-o", ".venv/bin/.installed", "test-fast"], tree.root, env)


def install_warm(
    tree: Tree, answers: Mapping[str, str], scratch: Path, env: Mapping[str, str]
) -> tuple[Path, float]:
    """The variant's project installed, and the time of an install on a warm cache."""
    before = cached_artifacts()
    project = render("copier", tree.template, scratch / "first", answers)
    seconds = timed(["make", "install"], project, env)
    if (downloaded := cached_artifacts() - before) > 0:
        progress(f"  the first install downloaded {downloaded} files; timing a fresh one")
        shutil.rmtree(project)
        project = render("copier", tree.template, scratch / "warm", answers)
        seconds = timed(["make", "install"], project, env)
    return project, seconds


def measure_project(
    tree: Tree, answers: Mapping[str, str], scratch: Path, image: bool
) -> Iterator[tuple[str, float]]:
    env = project_env(home=scratch / "home")
    project, seconds = install_warm(tree, answers, scratch, env)
    yield "install", seconds
    venv_python = str(project / ".venv" / "bin" / "python")
    yield "packages", int(run([venv_python, "-c", COUNT_PACKAGES], project, env).stdout)
    yield "venv", directory_size(project / ".venv") / 1e6
    commit_all(project, env, "Start from the ML template")
    for target in ("pipeline", "lint", "test"):
        yield target, timed(["make", target], project, env)
    if image:
        yield from measure_image(project, scratch / "podman")


def measure_image(project: Path, storage: Path) -> Iterator[tuple[str, float]]:
    """Build the trained project's image cold, cached, and after a change to its code."""
    if reason := unavailable_reason():
        raise ContainerUnavailable(f"not built: {reason}")
    podman = Podman(storage)
    try:
        start = time.perf_counter()
        stand_in_base(podman, "3.11")  # the default project's Python
        progress(
            f"  stand-in base image {time.perf_counter() - start:.1f} s (once: build/container/)"
        )
        yield "image cold", build(podman, project, "localhost/bench:cold")
        yield "image cached", build(podman, project, "localhost/bench:cached")
        yield "image size", image_size(podman, "localhost/bench:cached") / 1e6
        [package] = (project / "src").glob("*/__init__.py")  # hydra_plugins/ is a namespace
        with package.open("a") as code:
            code.write("# a change to the code\n")
        yield "image new code", build(podman, project, "localhost/bench:changed")
    finally:
        podman.remove_everything()


def record(
    tree: Tree, variant: Variant, measurements: Callable[[], Iterator[tuple[str, float]]]
) -> None:
    """Store each figure as it comes; after a failure, the failure for every figure left."""
    try:
        for key, value in measurements():
            tree.figures[variant.name, key] = value
            progress(f"  {FIGURES[key].label}: {format_value(value, FIGURES[key].unit)}")
    except MEASUREMENT_ERRORS as error:
        reason = failure(error)
        progress(f"  failed: {reason}")
        for key in variant.figures:
            tree.figures.setdefault((variant.name, key), reason)


def measure(
    tree: Tree, variant: Variant, scratch: Path, torch_url: str | BenchError | None
) -> None:
    progress(f"{variant.name}, {tree.label}")
    scratch.mkdir(parents=True)
    answers = {"package_index_url": default_index_url(), **variant.answers}
    if variant.answers.get("framework") == "pytorch":
        if isinstance(torch_url, BenchError) or torch_url is None:
            for key in variant.figures:
                tree.figures[variant.name, key] = str(torch_url)
            return
        answers["torch_index_url"] = torch_url
    if variant.name == "template":
        record(tree, variant, lambda: measure_template(tree, scratch))
    else:
        image = variant.name == "default"
        record(tree, variant, lambda: measure_project(tree, answers, scratch, image))
    shutil.rmtree(scratch, ignore_errors=True)  # a project with its .venv: a GB or more


@contextmanager
def ref_tree(commit: str, ref: str, scratch: Path) -> Iterator[Tree]:
    """The template as of `commit`, in a detached worktree sharing this .venv and cache."""
    root = scratch / "ref"
    git(TEMPLATE_ROOT, "worktree", "add", "--detach", "--quiet", str(root), commit)
    try:
        (root / ".venv").symlink_to(TEMPLATE_ROOT / ".venv")
        (root / "build").mkdir(exist_ok=True)
        (root / "build" / "cache").symlink_to(CACHE_ROOT.resolve())
        template = copy_template(scratch / "ref-template", source=root)
        yield Tree(f"{ref} ({commit[:8]})", root, template)
    finally:
        git(TEMPLATE_ROOT, "worktree", "remove", "--force", str(root), check=False)


@contextmanager
def torch_index_url(scratch: Path) -> Iterator[str | BenchError]:
    """The loopback index of this machine's torch wheel, or why there is none."""
    if find_torch_wheel() is None:
        yield BenchError("no CPU wheel of torch in pip's find-links folders (never downloaded)")
        return
    with torch_index(scratch / "torch-index") as url:
        yield url


# --- the table -------------------------------------------------------------------------------


def format_value(value: float | str, unit: str) -> str:
    if isinstance(value, str):
        return "n/a"
    if unit == "s":
        return f"{value:.1f} s"
    return f"{value:.0f} {unit}".strip()


def met(value: float | str, goal: float | None) -> str:
    if goal is None or isinstance(value, str):
        return ""
    return "yes" if value <= goal else "NO"


def change(value: float | str, before: float | str) -> str:
    if isinstance(value, str) or isinstance(before, str) or before == 0:
        return ""
    return f"{(value - before) / before:+.0%}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """A Markdown table padded to line up in a terminal; columns in `right` right-aligned."""
    widths = [max(map(len, column)) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = ["-" * (w + 1) + (":" if i in right else "-") for i, w in enumerate(widths)]
    return "\n".join([line(header), "|" + "|".join(rule) + "|", *map(line, rows)])


def report(variants: Sequence[Variant], trees: Sequence[Tree]) -> str:
    """The table of every figure of `variants` for each tree (the first is today's), with the
    goal and whether today's meets it, then the reasons for figures that failed."""
    current, *others = trees
    header = ["variant", "figure", "goal", current.label, "met"]
    for other in others:
        header += [other.label, "change"]
    notes: dict[str, int] = {}  # why a figure is missing -> its number under the table

    def cell(tree: Tree, key: tuple[str, str], unit: str) -> str:
        value = tree.figures.get(key)
        if value is None:
            return "-"
        if isinstance(value, str):
            number = notes.setdefault(f"{key[0]}, {tree.label}: {value}", len(notes) + 1)
            return f"n/a [{number}]"
        return format_value(value, unit)

    rows = []
    for variant in variants:
        for key in variant.figures:
            figure = FIGURES[key]
            goal = figure.goal_for(variant.name)
            value = current.figures.get((variant.name, key), "")
            row = [
                variant.name,
                figure.label,
                "" if goal is None else f"<= {goal:g} {figure.unit}".strip(),
            ]
            row += [cell(current, (variant.name, key), figure.unit), met(value, goal)]
            for other in others:
                before = other.figures.get((variant.name, key), "")
                row += [cell(other, (variant.name, key), figure.unit), change(value, before)]
            rows.append(row)
    right = {3, *range(5, len(header))}
    table = markdown_table(header, rows, right)
    return "\n".join([table, *(f"[{number}] {note}" for note, number in notes.items())])


# --- the command -----------------------------------------------------------------------------


def current_label() -> str:
    head = git(TEMPLATE_ROOT, "rev-parse", "--short=8", "HEAD", check=False).strip()
    dirty = git(TEMPLATE_ROOT, "status", "--porcelain", "--untracked-files=no", check=False)
    return f"now ({head}{' + changes' if dirty.strip() else ''})" if head else "now"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="", help="comma-separated (VARIANTS=); all if empty")
    parser.add_argument("--ref", default="", help="a git ref to measure beside today (REF=)")
    options = parser.parse_args(argv)
    try:
        variants = select_variants(options.variants, all_variants())
        commit = resolve_ref(TEMPLATE_ROOT, options.ref) if options.ref else None
    except BenchError as error:
        print(f"make bench: {error}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch_name, ExitStack() as stack:
        scratch = Path(scratch_name)
        trees = [Tree(current_label(), TEMPLATE_ROOT, copy_template(scratch / "template"))]
        if commit is not None:
            trees.append(stack.enter_context(ref_tree(commit, options.ref, scratch)))
        torch_url = None
        if any(v.answers.get("framework") == "pytorch" for v in variants):
            torch_url = stack.enter_context(torch_index_url(scratch))
        for variant in variants:
            for number, tree in enumerate(trees):
                measure(tree, variant, scratch / f"{variant.name}-{number}", torch_url)
        print(report(variants, trees))
    return 0


if __name__ == "__main__":
    sys.exit(main())
