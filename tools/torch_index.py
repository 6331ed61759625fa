"""A package index on loopback holding the CPU wheel of torch that is on this machine's disk.

PyTorch projects install torch from an explicit Poetry source (`torch_index_url`). The tests
and `make bench` never download torch: they find its CPU wheel in pip's find-links folders
(`pip config list`), write a PEP 503 index for it, with the wheel's metadata beside it (PEP 658)
so that locking reads a small file instead of the whole wheel, and serve the folder with
`python -m http.server` on 127.0.0.1. Poetry refuses `file://` sources, hence the server.
Everything else (sympy, networkx, ...) comes from the ordinary package index.
"""

from __future__ import annotations

import email.parser
import hashlib
import html
import subprocess
import sys
import urllib.parse
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# The CPython tag of the interpreter running this code: its torch wheel is the one to serve.
PYTHON_TAG = f"cp{sys.version_info.major}{sys.version_info.minor}"


def find_links() -> list[Path]:
    """pip's find-links folders (its configuration, then PIP_FIND_LINKS)."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False
    )
    folders: list[Path] = []
    for line in result.stdout.splitlines():
        key, _, value = line.partition("=")
        if key.endswith("find-links"):
            folders += [Path(item) for item in value.strip().strip("'\"").split()]
    return [folder for folder in folders if folder.is_dir()]


def find_torch_wheel() -> Path | None:
    """The newest CPU wheel of torch for this Python in pip's find-links folders, or None."""
    wheels = [
        wheel
        for folder in find_links()
        for wheel in folder.glob(f"torch-*+cpu-{PYTHON_TAG}-{PYTHON_TAG}-*.whl")
    ]
    return max(wheels, default=None, key=lambda wheel: wheel.name)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_index(wheel: Path, root: Path) -> Path:
    """A PEP 503 index of one wheel under `root` (the wheel linked, not copied); returns the
    folder to serve. Its metadata file lets Poetry lock without fetching the wheel."""
    project = root / "simple" / "torch"
    project.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        [metadata_name] = [
            name for name in archive.namelist() if name.endswith(".dist-info/METADATA")
        ]
        metadata = archive.read(metadata_name)
    requires_python = email.parser.BytesParser().parsebytes(metadata).get("Requires-Python", "")
    served = project / wheel.name
    if not served.exists():
        served.symlink_to(wheel.resolve())
    (project / f"{wheel.name}.metadata").write_bytes(metadata)
    digest = hashlib.sha256()
    with wheel.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    href = f"{urllib.parse.quote(wheel.name)}#sha256={digest.hexdigest()}"
    link = (
        f'<a href="{html.escape(href)}" data-requires-python="{html.escape(requires_python)}"'
        f' data-dist-info-metadata="sha256={_sha256(metadata)}"'
        f' data-core-metadata="sha256={_sha256(metadata)}">{html.escape(wheel.name)}</a>'
    )
    page = "<!DOCTYPE html>\n<html><body>\n{}\n</body></html>\n"
    (project / "index.html").write_text(page.format(link), encoding="utf-8")
    (root / "simple" / "index.html").write_text(
        page.format('<a href="torch/">torch</a>'), encoding="utf-8"
    )
    return root


@contextmanager
def serving(root: Path) -> Iterator[str]:
    """Serve `root` on a free loopback port; yield the index URL (…/simple/)."""
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
        cwd=root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        # "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ...": the port the
        # server took, so that no other process can take it between a probe and the bind.
        banner = server.stdout.readline()
        if "port" not in banner:
            raise RuntimeError(f"http.server did not start: {banner!r}")
        port = int(banner.split(" port ")[1].split()[0])
        yield f"http://127.0.0.1:{port}/simple/"
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def torch_index(root: Path) -> Iterator[str]:
    """The loopback index of this machine's torch CPU wheel; FileNotFoundError without one."""
    wheel = find_torch_wheel()
    if wheel is None:
        raise FileNotFoundError(
            f"no CPU wheel of torch for {PYTHON_TAG} in pip's find-links folders"
            f" ({', '.join(map(str, find_links())) or 'none configured'})"
        )
    with serving(write_index(wheel, root)) as url:
        yield url
