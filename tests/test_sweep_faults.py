"""Sweeps under real faults: nothing lost, nothing counted twice, no orphan, no traceback.

Issue 12, items 4 to 7 and the file-system faults of item 9: a copied, damaged or stray
chunk on --resume; kill -9 and SIGTERM of the sweep's main process (no worker left behind);
two sweeps into one directory; a read-only and a full results directory (a small tmpfs,
where this machine lets the test mount one).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import pressure_x_audience_cost_sweep

from negsim.experiment import MAX_DESIGN_POINTS, load_experiment
from negsim.sweep import MANIFEST, chunk_name, chunks_on_disk, read_manifest, read_results

NEGSIM = str(Path(sys.executable).with_name("negsim"))
TIMEOUT = 180

# 12 x 5 points x 50 replications = 3,000 runs in 15 chunks of 200.
SWEEP = pressure_x_audience_cost_sweep("faults", "Fault check", 2.2, 12, 50, 5, 200)
CHUNKS = 15


def write(path: Path, doc: dict) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def negsim(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    result = subprocess.run([NEGSIM, *args], capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("exp") / "faults.yaml", SWEEP)


@pytest.fixture(scope="module")
def complete(experiment, tmp_path_factory) -> Path:
    """The sweep run once, whole: the reference every faulty directory must end up equal to."""
    out = tmp_path_factory.mktemp("complete") / "out"
    done = negsim("sweep", str(experiment), "--out", str(out), "--workers", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def copy_of(complete, tmp_path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(complete, out)
    return out


def resume(experiment: Path, out: Path) -> subprocess.CompletedProcess:
    return negsim("sweep", str(experiment), "--out", str(out), "--resume", "--workers", "1",
                  "--no-progress")  # fmt: skip


def assert_equal_to(out: Path, complete: Path) -> None:
    frame = read_results(out)
    assert frame["run"].is_unique and len(frame) == len(read_results(complete))
    pd.testing.assert_frame_equal(frame, read_results(complete))
    assert read_manifest(out)["status"] == "complete"


# --- resume trusts only chunks that prove to be its own ------------------------------------------


def test_a_duplicated_chunk_is_run_again(experiment, complete, copy_of):
    shutil.copy(copy_of / chunk_name(2), copy_of / chunk_name(3))  # right row count, wrong runs
    done = resume(experiment, copy_of)
    assert done.returncode == 0, done.stderr
    assert f"{chunk_name(3)} holds runs 400..599, not its own runs 600..799" in done.stderr
    assert f"({CHUNKS - 1} chunks already on disk)" in done.stdout
    assert_equal_to(copy_of, complete)


def test_a_chunk_of_another_sweep_is_run_again(experiment, complete, copy_of, tmp_path):
    other = write(tmp_path / "other.yaml", {**SWEEP, "master_seed": 6})
    elsewhere = tmp_path / "elsewhere"
    assert negsim("sweep", str(other), "--out", str(elsewhere), "--runs", "400",
                  "--workers", "1", "--no-progress").returncode == 0  # fmt: skip
    shutil.copy(elsewhere / chunk_name(1), copy_of / chunk_name(1))
    done = resume(experiment, copy_of)
    assert done.returncode == 0, done.stderr
    assert f"{chunk_name(1)} was written by another sweep" in done.stderr
    assert_equal_to(copy_of, complete)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for at in range(len(data) // 3, len(data) // 3 + 64):  # a stretch of the data pages
        data[at] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGE = {
    "truncated": _truncate,
    "zero-byte": lambda p: p.write_bytes(b""),
    "random": lambda p: p.write_bytes(os.urandom(p.stat().st_size)),
    "flipped": _flip,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_chunk_is_run_again_with_a_line(experiment, complete, copy_of, damage):
    DAMAGE[damage](copy_of / chunk_name(4))
    done = resume(experiment, copy_of)
    assert done.returncode == 0, done.stderr
    assert (
        f"{chunk_name(4)} cannot be read" in done.stderr and "running chunk 4 again" in done.stderr
    )
    assert_equal_to(copy_of, complete)


def test_a_foreign_file_is_named_and_left_out_of_the_results(experiment, complete, copy_of):
    (copy_of / "notes.txt").write_text("my notes", encoding="utf-8")
    (copy_of / chunk_name(3)).unlink()
    done = resume(experiment, copy_of)
    assert done.returncode == 0, done.stderr
    assert "ignoring notes.txt" in done.stderr
    assert (copy_of / "notes.txt").read_text(encoding="utf-8") == "my notes"
    assert_equal_to(copy_of, complete)
    plotted = negsim("plot", str(copy_of))
    assert plotted.returncode == 0, plotted.stderr


def test_a_stray_chunk_beyond_the_sweep_is_named(experiment, copy_of):
    shutil.copy(copy_of / chunk_name(0), copy_of / chunk_name(40))
    done = resume(experiment, copy_of)
    assert done.returncode == 2
    assert chunk_name(40) in done.stderr and f"beyond this sweep's {CHUNKS} chunks" in done.stderr
    assert "fewer than already on disk" not in done.stderr


# --- the process: kill -9, SIGTERM, a second writer -------------------------------------------


def session_members(sid: int) -> list[str]:
    """Processes still alive in session ``sid`` (the sweep was started as its leader)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] not in ("Z", "X"):
                alive.append(stat.parent.name + " " + (stat.parent / "cmdline").read_text())
    return alive


def start_sweep(experiment: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            NEGSIM,
            "sweep",
            str(experiment),
            "--out",
            str(out),
            "--workers",
            "2",
            "--no-progress",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_first_chunk(proc: subprocess.Popen, out: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not (out.is_dir() and chunks_on_disk(out)):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no chunk written"
        time.sleep(0.02)


def wait_until_session_is_empty(sid: int, seconds: float = 20) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := session_members(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture
def slow_experiment(tmp_path) -> Path:
    """Twenty times the sweep above: long enough (seconds, compiled) to be caught in the middle."""
    return write(tmp_path / "slow.yaml", {**SWEEP, "replications": 1000, "chunk_size": 400})


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "SIGTERM"])
def test_stopping_the_sweep_leaves_no_worker_behind(slow_experiment, tmp_path, how):
    out = tmp_path / "out"
    proc = start_sweep(slow_experiment, out)
    try:
        wait_for_first_chunk(proc, out)
        os.kill(proc.pid, how)
        # The caller's pipes close: no worker holds them open (communicate would hang).
        _, stderr = proc.communicate(timeout=60)
        left = wait_until_session_is_empty(proc.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert left == [], f"orphans after {how.name}: {left}"
    if how == signal.SIGTERM:
        assert proc.returncode == 130, stderr
        assert "interrupted:" in stderr and "--resume" in stderr and "Traceback" not in stderr
    assert read_manifest(out)["status"] == "running"
    assert not list(out.glob(".*.tmp"))  # a chunk in flight never shows under its name


def test_a_second_sweep_into_the_same_directory_is_refused(slow_experiment, tmp_path):
    out = tmp_path / "out"
    first = start_sweep(slow_experiment, out)
    try:
        wait_for_first_chunk(first, out)
        # Held in the middle (stopped, its lock held), however fast it runs: the compiled
        # engine finishes this sweep in about the time a second negsim takes to start.
        os.killpg(first.pid, signal.SIGSTOP)
        for extra in (["--resume"], []):
            second = negsim("sweep", str(slow_experiment), "--out", str(out), "--workers", "1",
                            "--no-progress", *extra)  # fmt: skip
            assert second.returncode == 2, second.stderr
            assert "another negsim sweep is writing to this directory" in second.stderr
            assert str(out) in second.stderr
        assert first.poll() is None  # the first goes on, undisturbed
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGCONT)
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    done = negsim("sweep", str(slow_experiment), "--out", str(out), "--resume", "--workers", "2",
                  "--no-progress")  # fmt: skip
    assert done.returncode == 0, done.stderr
    frame = read_results(out)
    assert frame["run"].is_unique and len(frame) == load_experiment(slow_experiment).total_runs


# --- design sizes: computed before anything is built ---------------------------------------------


@pytest.mark.parametrize(
    ("change", "points"),
    [
        (
            {
                "parameters": {
                    "drivers.us_pressure.scale": {"range": [0, 2], "steps": 100000},
                    "states.JPN.audience_cost": {"range": [0, 1], "steps": 100000},
                }
            },
            10**10,
        ),
        (
            {
                "design": {"sampler": "lhs", "samples": 100000000},
                "parameters": {"drivers.us_pressure.scale": {"range": [0, 2]}},
            },
            10**8,
        ),
    ],
)
def test_a_design_too_large_is_refused_before_it_is_built(tmp_path, change, points):
    path = write(tmp_path / "huge.yaml", {**SWEEP, **change})
    started = time.monotonic()
    result = negsim("sweep", str(path), "--out", str(tmp_path / "out"), timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"{points:,} points" in result.stderr and f"{MAX_DESIGN_POINTS:,}" in result.stderr
    assert time.monotonic() - started < 30
    assert not (tmp_path / "out").exists()


# --- file-system faults: a message, not a traceback, and nothing half-written --------------------


@pytest.fixture
def small_tmpfs(tmp_path) -> Path:
    """A 512 KiB tmpfs, mounted for the test (needs root and a kernel that allows it)."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({made.stderr.strip() or 'not root'})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path, leave: int = 0) -> None:
    """Fill the file system of ``directory`` up to ``leave`` bytes."""
    free = os.statvfs(directory).f_bavail * os.statvfs(directory).f_frsize
    with contextlib.suppress(OSError), open(directory / f"filler-{free}", "wb") as f:
        f.write(b"\0" * max(0, free - leave))


def test_a_full_disk_gives_a_message_and_no_half_written_file(small_tmpfs, experiment):
    out = small_tmpfs / "sweep"
    fill(small_tmpfs, leave=120_000)  # room for a few chunks, not for fifteen
    result = negsim("sweep", str(experiment), "--out", str(out), "--workers", "1", "--no-progress")
    assert result.returncode == 2, result.stderr
    assert "No space left on device" in result.stderr and "disk is full" in result.stderr
    assert not list(out.glob(".*.tmp"))
    for chunk in chunks_on_disk(out).values():  # the chunks that fitted are whole
        assert len(pd.read_parquet(chunk)) == SWEEP["chunk_size"]
    fill(small_tmpfs)
    run_out = small_tmpfs / "run"
    ran = negsim("run", "rok_japan_1951_1965", "--out", str(run_out))
    assert ran.returncode == 2, ran.stderr
    assert str(run_out) in ran.stderr and "disk is full" in ran.stderr
    assert not run_out.exists() or list(run_out.iterdir()) == []  # all three files or none


def test_a_read_only_directory_gives_a_message(small_tmpfs, experiment):
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    for args in (
        ["sweep", str(experiment), "--out", str(small_tmpfs / "sweep"), "--workers", "1"],
        ["run", "rok_japan_1951_1965", "--out", str(small_tmpfs / "run")],
        ["run", "rok_japan_1951_1965", "--out", str(small_tmpfs)],
    ):
        result = negsim(*args)
        assert result.returncode == 2, result.stderr
        assert "Read-only file system" in result.stderr and "read-only" in result.stderr
    assert MANIFEST not in os.listdir(small_tmpfs)
