"""Every citation resolves in a clone: the sources the scenarios and docs cite ship with them."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CITING = [
    *ROOT.glob("scenarios/**/*.yaml"),
    *ROOT.glob("experiments/**/*.yaml"),
    *ROOT.glob("docs/*.md"),
    ROOT / "README.md",
]
SOURCES = ROOT / "docs" / "sources"


def test_nothing_cites_files_outside_the_repository():
    for path in CITING:
        text = path.read_text(encoding="utf-8")
        assert "shared/reference" not in text and "shared/seeds" not in text, path


def test_every_cited_docs_sources_path_exists():
    cited = set()
    for path in CITING:
        cited |= set(re.findall(r"docs/sources/[\w./-]*\w", path.read_text(encoding="utf-8")))
    assert cited, "the scenarios cite nothing under docs/sources/"
    for name in cited:
        assert (ROOT / name).exists(), name


def test_the_shipped_reference_files_parse_and_hold_their_cases():
    calibration = yaml.safe_load((SOURCES / "history_calibration.yaml").read_text())
    ids = {case["id"] for case in calibration["cases"]}
    assert {"rok_japan_1951_1965", "dprk_japan_1991_2006"} <= ids
    for name in ("training_cases_1.yaml", "training_cases_1b.yaml", "training_cases_2.yaml"):
        assert yaml.safe_load((SOURCES / name).read_text())["cases"], name
    readme = (SOURCES / "README.md").read_text()
    for path in SOURCES.iterdir():
        if path.name != "README.md":
            assert f"`{path.name}`" in readme, f"docs/sources/README.md does not describe {path}"
