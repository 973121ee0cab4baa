"""Result files written whole or not at all (temporary file, then an atomic rename)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically."""
    tmp = _temporary(path)
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write a Parquet file atomically."""
    tmp = _temporary(path)
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)
