"""`make bench`: how fast the template renders, and what the default project costs.

Prints numbers only, no thresholds: compare runs on the same machine. Measures
- the median render time of each engine (command line, default answers) over several runs;
- for the default project: the time of `make install`, `lint`, `test`, `pipeline`, `smoke`,
  `report` and `notebook`, and its environment's package count and size on disk.
The install is timed with the shared package cache warm if a previous run (or the tests) filled it.
Then, where podman can run (tools/container.py), the default project's image: the time to build
it cold (empty podman storage, the stand-in base image aside), again with its layers cached, and
after a change to the code; and its size.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tools.container import (
    ContainerUnavailable,
    Podman,
    build,
    image_size,
    stand_in_base,
    unavailable_reason,
)
from tools.project import CACHE_ROOT, CommandFailed, commit_all, project_env, run, timed
from tools.render import ENGINES, copy_template, default_index_url, render

RENDER_RUNS = 5
COUNT_PACKAGES = "import importlib.metadata as m; print(len({d.name for d in m.distributions()}))"


def median_render_seconds(engine: str, template: Path, scratch: Path) -> float:
    times = []
    for attempt in range(RENDER_RUNS):
        out = scratch / f"{engine}-{attempt}"
        start = time.perf_counter()
        render(engine, template, out, {})  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch_name:
        scratch = Path(scratch_name)
        template = copy_template(scratch / "template")
        print(f"Render time, median of {RENDER_RUNS} runs (default answers):")
        for engine in ENGINES:
            print(f"  {engine:<13} {median_render_seconds(engine, template, scratch):6.2f} s")

        answers = {"package_index_url": default_index_url()}
        project = render("copier", template, scratch / "project", answers)
        env = project_env(home=scratch / "home")
        cache_state = "warm" if (CACHE_ROOT / "poetry").exists() else "cold"
        print(f"\nDefault project ({cache_state} package cache):")
        print(f"  make install   {timed(['make', 'install'], project, env):6.1f} s")
        commit_all(project, env, "Start from the ML template")
        for target in ("lint", "test", "pipeline", "smoke", "report", "notebook"):
            print(f"  make {target:<9} {timed(['make', target], project, env):6.1f} s")
        venv_python = str(project / ".venv" / "bin" / "python")
        count = int(run([venv_python, "-c", COUNT_PACKAGES], project, env).stdout)
        size_mb = directory_size(project / ".venv") / 1e6
        print(f"  environment    {count} packages, {size_mb:.0f} MB on disk (.venv)")
        print_image_numbers(project, scratch / "podman")
        shutil.rmtree(scratch / "home", ignore_errors=True)
    return 0


def print_image_numbers(project: Path, storage: Path) -> None:
    """Build the trained project's image twice (cold, then cached) and print times and size."""
    if reason := unavailable_reason():
        print(f"\nContainer image: not built ({reason})")
        return
    podman = Podman(storage)
    try:
        start = time.perf_counter()
        stand_in_base(podman, "3.11")  # the default project's Python
        base_seconds = time.perf_counter() - start
        cold = build(podman, project, "localhost/bench:cold")
        cached = build(podman, project, "localhost/bench:cached")
        size_mb = image_size(podman, "localhost/bench:cached") / 1e6
        with (project / "src/my_ml_project/__init__.py").open("a") as code:
            code.write("# a change to the code\n")
        changed = build(podman, project, "localhost/bench:changed")
    except (ContainerUnavailable, CommandFailed) as error:
        print(f"\nContainer image: not built ({str(error).splitlines()[0]})")
        return
    finally:
        podman.remove_everything()
    print("\nContainer image of the default project (podman):")
    print(f"  stand-in base  {base_seconds:6.1f} s (debootstrapped once, into build/container/)")
    print(f"  build, cold    {cold:6.1f} s")
    print(f"  build, cached  {cached:6.1f} s")
    print(f"  build, new code{changed:6.1f} s")
    print(f"  image size     {size_mb:6.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
