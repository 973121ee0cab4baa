"""Result files appear whole under their name or not at all, and leave nothing behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from negsim.results_files import OutputError, write_file, write_files


def test_a_file_being_written_has_no_name_until_it_is_whole(tmp_path):
    seen = []

    def write(tmp: Path) -> None:
        tmp.write_text("half")
        seen.append(sorted(os.listdir(tmp_path)))  # what a reader (or a kill -9) would find
        with open(tmp, "a") as f:
            f.write(" and the rest")

    write_file(tmp_path / "summary.json", write)
    assert (tmp_path / "summary.json").read_text() == "half and the rest"
    if sys.platform.startswith("linux"):  # an unnamed file (O_TMPFILE): nothing to see
        assert seen == [[]]
    else:  # a hidden temporary name, never the real one
        assert "summary.json" not in seen[0]


def test_a_file_is_replaced_whole_and_a_failed_group_leaves_what_was_there(tmp_path):
    old = tmp_path / "summary.json"
    write_file(old, lambda tmp: tmp.write_text("first"))
    write_file(old, lambda tmp: tmp.write_text("second"))
    assert old.read_text() == "second"

    def fail(tmp: Path) -> None:
        tmp.write_text("partial")
        raise OSError(28, "No space left on device")

    new = tmp_path / "series.csv"
    with pytest.raises(OutputError, match="disk is full"):
        write_files({old: lambda tmp: tmp.write_text("third"), new: fail})
    assert old.read_text() == "second" and not new.exists()
    assert sorted(os.listdir(tmp_path)) == ["summary.json"]
