from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.sample_data import TARGET, load_sample, main

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_the_sample_is_the_breast_cancer_data() -> None:
    frame = load_sample()
    assert frame.shape == (569, 31)
    assert frame[TARGET].value_counts().to_dict() == {"benign": 357, "malignant": 212}
    assert all(" " not in name for name in frame.columns)


def test_export_matches_the_version_dvc_tracks(tmp_path: Path) -> None:
    """`make data` exports the sample; it must be byte for byte what the .dvc file records."""
    dvc_file = PROJECT_ROOT / "data/raw/breast_cancer.csv.dvc"
    if not dvc_file.is_file():
        pytest.skip("the project no longer tracks the bundled sample")
    main([str(tmp_path / "sample.csv")])
    tracked = yaml.safe_load(dvc_file.read_text())
    exported = hashlib.md5((tmp_path / "sample.csv").read_bytes()).hexdigest()
    assert exported == tracked["outs"][0]["md5"]


def test_raw_data_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "raw.csv").write_text("mine")
    with pytest.raises(SystemExit):
        main([str(tmp_path / "raw.csv")])
    assert (tmp_path / "raw.csv").read_text() == "mine"
