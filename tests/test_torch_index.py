"""The loopback index of torch's CPU wheel: what PyTorch projects install from in the tests."""

from __future__ import annotations

import hashlib
import re
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tools.torch_index import find_torch_wheel, torch_index, write_index


def test_the_index_serves_the_wheel_and_its_metadata(tmp_path: Path) -> None:
    wheel = find_torch_wheel()
    if wheel is None:
        pytest.skip("no CPU wheel of torch in pip's find-links folders")
    with torch_index(tmp_path) as url:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/simple/", url)
        with urllib.request.urlopen(url) as response:
            assert '<a href="torch/">torch</a>' in response.read().decode()
        with urllib.request.urlopen(f"{url}torch/") as response:
            page = response.read().decode()
        sha256 = "[0-9a-f]{64}"
        link = re.search(
            rf'<a href="([^"#]+)#sha256={sha256}"[^>]*data-core-metadata="sha256=({sha256})"', page
        )
        assert link is not None, page
        href, metadata_hash = link.groups()
        assert "%2B" in href  # the local version's "+", quoted
        with urllib.request.urlopen(f"{url}torch/{href}.metadata") as response:
            metadata = response.read()
        assert hashlib.sha256(metadata).hexdigest() == metadata_hash
        assert metadata.startswith(b"Metadata-Version:") and b"\nName: torch\n" in metadata
        with urllib.request.urlopen(f"{url}torch/{href}") as response:
            assert response.read(4) == b"PK\x03\x04"  # the wheel itself, a zip file


def test_an_index_is_written_for_any_wheel_given(tmp_path: Path) -> None:
    wheel = tmp_path / "torch-9.9.9+cpu-cp311-cp311-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(
            "torch-9.9.9+cpu.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: torch\nVersion: 9.9.9+cpu\nRequires-Python: >=3.10\n",
        )
    root = write_index(wheel, tmp_path / "index")
    page = (root / "simple/torch/index.html").read_text()
    assert 'data-requires-python="&gt;=3.10"' in page
    assert (root / "simple/torch" / wheel.name).resolve() == wheel.resolve()
    assert (root / "simple/torch" / f"{wheel.name}.metadata").read_text().startswith("Metadata")
