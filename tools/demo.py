"""`make demo`: render the default project, install it, run its pipeline and tests, show the result.

The project goes to build/demo/ (re-created on every run: it is scratch output) and installs
from the same package index as this machine's pip.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from tools.project import CommandFailed, commit_all, project_env, run
from tools.render import TEMPLATE_ROOT, copy_template, default_index_url, render

DEMO_ROOT = TEMPLATE_ROOT / "build" / "demo"


def main() -> int:
    if DEMO_ROOT.exists():
        print(f"Removing the previous demo in {DEMO_ROOT}")
        shutil.rmtree(DEMO_ROOT)
    DEMO_ROOT.mkdir(parents=True)
    answers = {"package_index_url": default_index_url()}
    with tempfile.TemporaryDirectory() as scratch:
        template = copy_template(Path(scratch) / "template")
        project = render("copier", template, DEMO_ROOT, answers)
    print(f"Rendered {project.relative_to(TEMPLATE_ROOT)} with copier (default answers)")
    # The demo's DVC remote goes to a scratch HOME inside build/, not the real one.
    env = project_env(home=DEMO_ROOT / "home")
    steps: list[tuple[str, Callable[[], object]]] = [
        ("make install", lambda: run(["make", "install"], project, env)),
        ("git commit", lambda: commit_all(project, env, "Start from the ML template")),
        ("make pipeline", lambda: run(["make", "pipeline"], project, env)),
        ("make test", lambda: run(["make", "test"], project, env)),
    ]
    try:
        for label, step in steps:
            print(f"Running {label} ...", flush=True)
            step()
    except CommandFailed as error:
        print(error, file=sys.stderr)
        return 1
    metrics = json.loads((project / "reports" / "metrics.json").read_text(encoding="utf-8"))
    print(f"\nThe demo project is in {project}")
    print("Its metrics (reports/metrics.json):")
    for name, value in metrics.items():
        print(f"  {name:<18} {value}")
    print(f"The report, for a browser: {project / 'reports' / 'report.html'}")
    print(f"\nTry: cd {os.path.relpath(project)} && make help")
    if shutil.which("poetry") is None:  # the demo ran the template's own (see project_env)
        tools = shlex.quote(str(Path(sys.executable).parent))
        print(
            "The project's targets run Poetry, which is only in this template's tools here:"
            f' export PATH={tools}:"$PATH" first (or install it: pipx install poetry)'
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
