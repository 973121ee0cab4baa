"""The one way negsim writes a file: whole or not at all, and a message when it cannot.

Every result file (a run's series, summary and figure, a sweep's chunks and manifest, a plot,
a report) is written to a file with no name yet in its directory (Linux's ``O_TMPFILE``),
flushed to disk (fsync), given its name, and the directory flushed too, so that neither a
crash nor a full disk leaves a half-written file under the real name, and a process killed
mid-write (kill -9) leaves nothing behind at all. Where a system has no unnamed files, a
hidden temporary file beside the place is written and renamed instead (a kill -9 then
leaves it; a sweep's ``--resume`` removes its own). :func:`write_files` does this for a
group of files that belong together: all of them appear, or none.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from negsim.inputs import ScenarioError

Writer = Callable[[Path], None]  # writes one file's content to the path it is given

WHAT_TO_DO = {
    errno.EROFS: "the file system is read-only; choose another --out",
    errno.ENOSPC: "the disk is full; free some space or choose another --out",
    errno.EDQUOT: "the disk quota is used up; free some space or choose another --out",
    errno.EACCES: "no permission to write there; choose another --out",
    errno.EPERM: "no permission to write there; choose another --out",
    errno.ENOTDIR: "a part of the path is a file, not a directory; choose another --out",
    errno.EISDIR: "a directory is in the way; choose another file name",
    errno.EEXIST: "a file is in the way; choose another --out",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter --out",
}


class OutputError(ScenarioError):
    """A result file that cannot be written, with where, why and what to do."""


def output_error(path: Path, exc: OSError) -> OutputError:
    """An :class:`OutputError` for ``path`` from the operating system's error."""
    what = WHAT_TO_DO.get(exc.errno or 0, "choose another --out")
    reason = exc.strerror or str(exc)
    return OutputError(str(path), [("", f"cannot write: {reason}; {what}")])


def ensure_directory(path: Path) -> Path:
    """Create a results directory (and its parents) or raise :class:`OutputError`."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not path.is_dir():
            raise FileExistsError(errno.EEXIST, "exists and is not a directory")
    except FileExistsError:
        raise output_error(path, OSError(errno.EEXIST, "exists and is not a directory")) from None
    except OSError as exc:
        raise output_error(path, exc) from None
    return path


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _fsync_path(path: Path, flags: int = os.O_RDONLY) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Staged:
    """A file being written: its final place, and an unnamed file (or a hidden name) for it."""

    def __init__(self, path: Path) -> None:
        self.path, self.fd = path, None
        with contextlib.suppress(OSError, AttributeError):  # no O_TMPFILE: a hidden name
            self.fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o666)
        self.tmp = Path(f"/proc/self/fd/{self.fd}") if self.fd is not None else _temporary(path)

    def flush(self) -> None:
        if self.fd is None:
            _fsync_path(self.tmp)
        else:
            os.fsync(self.fd)

    def publish(self) -> None:
        """Give the written file its name (replacing a file already there)."""
        if self.fd is not None:
            try:
                self._link(self.path)
                return
            except FileExistsError:  # replaced: linked beside it, then renamed over it
                hidden = _temporary(self.path)
                hidden.unlink(missing_ok=True)
                self._link(hidden)
                self.tmp = hidden
        os.replace(self.tmp, self.path)

    def _link(self, path: Path) -> None:
        # linkat(AT_SYMLINK_FOLLOW) through /proc names the unnamed file (open(2)); os.link
        # passes that flag only when given a directory descriptor.
        directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.link(self.tmp, path.name, dst_dir_fd=directory, follow_symlinks=True)
        finally:
            os.close(directory)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
        if self.tmp.parent == self.path.parent:  # a hidden name beside it, if still there
            with contextlib.suppress(OSError):  # a read-only directory: nothing was written there
                self.tmp.unlink(missing_ok=True)


def write_files(files: dict[Path, Writer]) -> None:
    """Write a group of files atomically as one: every file appears whole, or none does.

    Each is written to an unnamed (or hidden temporary) file first (this is where a full disk
    fails, and then nothing is left); only when all are on disk are they named.
    """
    staged: list[_Staged] = []
    current = next(iter(files), Path("."))
    try:
        for path, write in files.items():
            current = path
            staged.append(file := _Staged(path))
            write(file.tmp)
            file.flush()
        for file in staged:
            current = file.path
            file.publish()
        for directory in {path.parent for path in files}:
            _fsync_path(directory)
    except OSError as exc:
        raise output_error(current, exc) from None
    finally:
        for file in staged:
            file.close()


def write_file(path: Path, write: Writer) -> None:
    """Write one file atomically (see :func:`write_files`)."""
    write_files({path: write})


def finite(data: Any) -> Any:
    """``data`` with every NaN or infinity as ``None`` (``null``): JSON has no NaN."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    return data


def json_writer(data: Any) -> Writer:
    """Write ``data`` as strict JSON (indented, UTF-8)."""
    text = json.dumps(finite(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return lambda tmp: tmp.write_text(text, encoding="utf-8")


def parquet_writer(frame: Any) -> Writer:
    """Write a pandas DataFrame (without its index) or an Arrow table as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def write(tmp: Path) -> None:
        if isinstance(frame, pa.Table):
            pq.write_table(frame, tmp)
        else:
            frame.to_parquet(tmp, index=False)

    return write


def figure_writer(fig: Any, dpi: int = 130, fmt: str = "png") -> Writer:
    """Write a Matplotlib figure (closed once written or failed)."""
    import matplotlib.pyplot as plt

    def write(tmp: Path) -> None:
        try:
            fig.savefig(tmp, dpi=dpi, format=fmt)
        finally:
            plt.close(fig)

    return write


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically."""
    write_file(path, json_writer(data))


def write_parquet(path: Path, frame: Any) -> None:
    """Write a Parquet file (a DataFrame or an Arrow table) atomically."""
    write_file(path, parquet_writer(frame))
