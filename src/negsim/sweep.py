"""Sweeps: an experiment's runs, in chunks, on local processes or a Dask cluster.

The results directory is a Parquet dataset, one file per chunk, plus a manifest::

    RESULTS/
      _manifest.json          experiment, master seed, design size, chunking, constants, versions
      chunk-000000.parquet    runs 0 .. chunk_size - 1
      chunk-000001.parquet    runs chunk_size .. 2 * chunk_size - 1
      ...

``pandas.read_parquet(RESULTS)`` reads every chunk (files whose names start with
``_`` or ``.`` are not part of the dataset). Each chunk file is written to a
temporary name and renamed, so a chunk is on disk whole or not at all: an
interrupted sweep resumes by running only the chunks that are missing.

Run ``i`` is design point ``i // replications``, replication ``i % replications``,
with seed ``replication_seed(master_seed, i)``: its result does not depend on the
engine, the chunk size, the number of workers or the executor.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from negsim.constants import DEFAULT_CONSTANTS, Constants
from negsim.experiment import Plan
from negsim.scenario import Scenario, ScenarioError
from negsim.timeline import Timeline

MANIFEST = "_manifest.json"
STOP_POLL = 0.2  # seconds: how soon a local sweep answers Ctrl-C or SIGTERM between chunks
PLOTS = "_plots"  # what `negsim plot` writes by default
CHUNK_RE = re.compile(r"^chunk-(\d{6,})\.parquet$")
ENGINES = ("batch", "mesa")
# Fields of the manifest that must match for --resume to continue a sweep.
IDENTITY = (
    "experiment_id",
    "fingerprint",
    "master_seed",
    "design_points",
    "replications",
    "total_runs",
    "chunk_size",
    "engine",
    "constants",
    "outcomes",
    "parameters",
    "judgements",
)


def chunk_name(index: int) -> str:
    """The file name of chunk ``index``."""
    return f"chunk-{index:06d}.parquet"


@dataclass(frozen=True)
class ChunkTask:
    """One chunk's work: everything a worker (local or remote) needs, and nothing on disk."""

    index: int
    first: int
    stop: int
    key: str  # the plan's fingerprint: workers cache the compiled scenario by it
    scenario_name: str
    scenario_document: dict[str, Any]
    values: dict[str, np.ndarray]  # path -> value of each run of the chunk
    points: np.ndarray  # design point of each run
    replications: int
    master_seed: int
    engine: str
    until: str | None
    outcomes: tuple[str, ...]
    constants: Constants = DEFAULT_CONSTANTS
    draw: bool = True  # draw each run's judgements from their ranges (False: --fixed)

    @property
    def runs(self) -> int:
        """Number of runs in the chunk."""
        return self.stop - self.first


_CACHE: dict[str, tuple[Scenario, Timeline]] = {}


def _compiled(task: ChunkTask) -> tuple[Scenario, Timeline]:
    from negsim.scenario import scenario_from_dict
    from negsim.timeline import compile_timeline

    if task.key not in _CACHE:
        scenario = scenario_from_dict(task.scenario_document, task.scenario_name)
        _CACHE.clear()
        _CACHE[task.key] = (scenario, compile_timeline(scenario))
    return _CACHE[task.key]


@dataclass
class Outcomes:
    """A chunk's outcomes as arrays over runs (what both engines produce)."""

    agreement_step: np.ndarray  # [R] int, -1 for none
    package: np.ndarray  # [R, I]
    final_gap: np.ndarray  # [R, I]
    concession_share: np.ndarray  # [R, S, I]


def _run_batch_engine(task: ChunkTask, seeds: np.ndarray, values: dict) -> Outcomes:
    from negsim.engine import run_batch

    scenario, timeline = _compiled(task)
    result = run_batch(
        scenario,
        seeds,
        values,
        constants=task.constants,
        until=task.until,
        timeline=timeline,
    )
    return Outcomes(
        result.agreement_step, result.package, result.final_gap, result.concession_share
    )


def _run_mesa_engine(task: ChunkTask, seeds: np.ndarray, values: dict) -> Outcomes:
    """The same runs through the Mesa model, one at a time (the reference; slow)."""
    from negsim.model import NegotiationModel
    from negsim.outcome import concession_shares, settlement_points
    from negsim.parameters import apply_overrides
    from negsim.scenario import scenario_from_dict

    base, timeline = _compiled(task)
    n_issues, n_states = len(timeline.issue_ids), len(timeline.state_ids)
    out = Outcomes(
        np.full(task.runs, -1),
        np.full((task.runs, n_issues), np.nan),
        np.zeros((task.runs, n_issues)),
        np.zeros((task.runs, n_states, n_issues)),
    )
    scenario, last_point = base, None
    per_run = len(values) > len(task.values)  # drawn judgements: each run its own scenario
    for r in range(task.runs):
        if per_run or task.points[r] != last_point:
            overrides = [(p, _plain(v[r])) for p, v in values.items()]
            doc = apply_overrides(task.scenario_document, overrides, task.scenario_name)
            scenario = scenario_from_dict(doc, task.scenario_name)
            last_point = task.points[r]
        model = NegotiationModel(
            scenario, rng=int(seeds[r]), constants=task.constants, until=task.until
        )
        model.run()
        agreed = model.agreement_step is not None
        points = settlement_points(model.run_state.demand, np.asarray(agreed))
        out.concession_share[r] = concession_shares(model.run_state.ideal, points)
        out.final_gap[r] = model.gaps
        if agreed:
            out.agreement_step[r] = model.agreement_step
            out.package[r] = model.package
    return out


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def run_chunk(task: ChunkTask) -> pa.Table:
    """Run one chunk and return its rows (one per run) as an Arrow table."""
    from negsim.judgements import scenario_judgements, with_draws
    from negsim.simulation import replication_seeds

    scenario, timeline = _compiled(task)
    seeds = replication_seeds(task.master_seed, task.runs, task.first)
    values = task.values
    if task.draw:  # each run's judgements, keyed by its seed: the same on either engine
        values = with_draws(task.values, scenario_judgements(scenario), seeds)
    engine = _run_mesa_engine if task.engine == "mesa" else _run_batch_engine
    outcomes = engine(task, seeds, values)
    return outcome_table(task, timeline, seeds, outcomes, values)


def outcome_table(
    task: ChunkTask,
    timeline: Timeline,
    seeds: np.ndarray,
    out: Outcomes,
    values: dict[str, np.ndarray] | None = None,
) -> pa.Table:
    """The chunk's columns: run, seed, point, replication, parameters (the design's, then the
    judgements drawn), selected outcomes."""
    runs = np.arange(task.first, task.stop, dtype=np.int64)
    agreed = out.agreement_step >= 0
    columns: dict[str, pa.Array] = {
        "run": pa.array(runs),
        "seed": pa.array(np.asarray(seeds, dtype=np.uint64)),
        "point": pa.array(np.asarray(task.points, dtype=np.int64)),
        "replication": pa.array(runs % task.replications),
    }
    given = task.values if values is None else values
    for path in [*task.values, *(p for p in given if p not in task.values)]:  # design first
        values = np.asarray(given[path])
        if values.dtype == object:
            columns[path] = pa.array(list(values), type=pa.string())
        else:
            columns[path] = pa.array(np.asarray(values, dtype=np.float64))
    wanted = set(task.outcomes)
    if "agreed" in wanted:
        columns["agreed"] = pa.array(agreed)
    if "agreement_date" in wanted:
        labels = np.array([timeline.month_label(t) for t in range(timeline.months)], dtype=object)
        dates = np.where(agreed, labels[np.maximum(out.agreement_step, 0)], None)
        columns["agreement_date"] = pa.array(list(dates), type=pa.string())
    if "agreement_step" in wanted:
        columns["agreement_step"] = pa.array(
            out.agreement_step.astype(np.int64), mask=~agreed, type=pa.int64()
        )
    for i, iid in enumerate(timeline.issue_ids):
        if "package" in wanted:
            columns[f"package_{iid}"] = pa.array(out.package[:, i], type=pa.float64())
        if "final_gap" in wanted:
            columns[f"final_gap_{iid}"] = pa.array(out.final_gap[:, i], type=pa.float64())
    if "concession" in wanted:
        for s, sid in enumerate(timeline.state_ids):
            for i, iid in enumerate(timeline.issue_ids):
                columns[f"concession_{sid}_{iid}"] = pa.array(
                    out.concession_share[:, s, i], type=pa.float64()
                )
    return pa.table(columns)


CHUNK_KEY = b"negsim.chunk"  # a chunk file's identity, in its Parquet schema metadata


def chunk_identity(task: ChunkTask) -> dict[str, Any]:
    """What a chunk file must say about itself to count as done on --resume."""
    return {
        "fingerprint": task.key,
        "master_seed": task.master_seed,
        "chunk": task.index,
        "first": task.first,
        "stop": task.stop,
    }


def write_table(path: Path, table: pa.Table, identity: dict[str, Any] | None = None) -> None:
    """Write a chunk whole or not at all (negsim's one writer), with its identity and page
    checksums, so that a resume can tell a chunk of its own from a copied or damaged one."""
    import json

    from negsim.results_files import write_file

    if identity is not None:
        metadata = {**(table.schema.metadata or {}), CHUNK_KEY: json.dumps(identity).encode()}
        table = table.replace_schema_metadata(metadata)
    # Dictionaries only for text: a run's drawn values and outcomes are nearly all distinct,
    # and trying a dictionary on each float column cost half a chunk's write for nothing.
    text = [f.name for f in table.schema if pa.types.is_string(f.type)]
    write_file(
        path,
        lambda tmp: pq.write_table(table, tmp, write_page_checksum=True, use_dictionary=text),
    )


def chunk_problem(path: Path, identity: dict[str, Any]) -> str | None:
    """Why a chunk file on disk cannot count as chunk ``identity["chunk"]``; None if it can.

    The whole file is read (with page checksums), not only its footer: a chunk with damaged
    bytes is found here, before it is counted, rather than when the results are read.
    """
    import json

    try:
        table = pq.read_table(path, page_checksum_verification=True)
        stored = json.loads((table.schema.metadata or {}).get(CHUNK_KEY, b"null"))
        runs = table.column("run").to_numpy()
    except Exception as exc:  # pyarrow raises many kinds of error for a damaged file
        return f"cannot be read ({str(exc).splitlines()[0][:120] or type(exc).__name__})"
    if not isinstance(stored, dict):
        return "carries no negsim chunk identity (copied in, or from an older negsim)"
    if (
        stored.get("fingerprint") != identity["fingerprint"]
        or stored.get("master_seed") != identity["master_seed"]
    ):
        return "was written by another sweep (another experiment, scenario or seed)"
    first, stop = identity["first"], identity["stop"]
    if not np.array_equal(runs, np.arange(first, stop)):
        held = f"{runs[0]}..{runs[-1]}" if len(runs) else "no runs"
        return f"holds runs {held}, not its own runs {first}..{stop - 1}"
    return None


# --- the plan of chunks, the manifest and resuming ------------------------------------------


DIGEST_DEPTH = 4  # experiment.parameters.<path>.range, scenario.states.JPN.audience_cost


def field_digests(doc: Any, prefix: str = "", depth: int = DIGEST_DEPTH) -> dict[str, str]:
    """A short hash of each field of a document, by dotted path, down to ``depth`` levels
    (a list, or anything deeper, is hashed whole)."""
    if isinstance(doc, dict) and depth > 0 and doc:
        out: dict[str, str] = {}
        for key, value in doc.items():
            out |= field_digests(value, f"{prefix}.{key}" if prefix else str(key), depth - 1)
        return out
    blob = json.dumps(doc, sort_keys=True, default=str).encode()
    return {prefix: hashlib.sha256(blob).hexdigest()[:16]}


def changed_fields(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """The dotted paths whose hashes differ, were added or were removed, in order."""
    return [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]


def manifest_for(
    plan: Plan, engine: str, runs: int, constants: Constants, draw: bool = True
) -> dict[str, Any]:
    """What the results are: enough to check a resume and to analyse them later."""
    import importlib.metadata as md
    import platform

    from negsim.judgements import scenario_judgements

    versions = {"python": platform.python_version()}
    for package in ("negsim", "numpy", "pandas", "pyarrow", "mesa", "SALib", "dask"):
        try:
            versions[package] = md.version(package)
        except md.PackageNotFoundError:
            versions[package] = None
    experiment = plan.experiment
    return {
        "format": "negsim-sweep/1",
        "experiment_id": experiment.id,
        "experiment_file": plan.source,
        "experiment": experiment.model_dump(mode="json"),
        "scenario_file": str(plan.scenario_path),
        "scenario_id": plan.scenario.id,
        "scenario_title": plan.scenario.title,
        "scenario_start": plan.scenario.start,
        "scenario_end": plan.scenario.end,
        "historical_outcome": (
            plan.scenario.historical_outcome.model_dump(mode="json")
            if plan.scenario.historical_outcome
            else None
        ),
        "fingerprint": plan.fingerprint(),
        # Per field, so that a refused --resume can name what changed (the scenario file's
        # own text is not kept: only each field's hash, down to three levels).
        "field_digests": field_digests(
            {"experiment": experiment.model_dump(mode="json"), "scenario": plan.scenario_document}
        ),
        "master_seed": experiment.master_seed,
        "sampler": experiment.design.sampler,
        "parameters": list(experiment.parameters),
        "judgements": {
            "drawn": draw,
            "paths": [
                j.path
                for j in scenario_judgements(plan.scenario)
                if j.path not in experiment.parameters
            ],
        },
        "design_points": plan.points,
        "replications": experiment.replications,
        "total_runs": plan.total_runs,
        "runs": runs,
        "chunk_size": plan.chunk_size,
        "chunks": -(-runs // plan.chunk_size),
        "engine": engine,
        "outcomes": list(experiment.outcomes),
        "constants": constants.as_dict(),
        "seeds": "run i = point * replications + replication; "
        "seed = negsim.simulation.replication_seed(master_seed, i)",
        "versions": versions,
        "status": "running",
    }


def read_manifest(results: Path) -> dict[str, Any]:
    """The manifest of a results directory (a :class:`ScenarioError` if missing or unreadable)."""
    import json

    path = Path(results) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(
            str(results), [("", f"no {MANIFEST}: not a negsim sweep results directory")]
        ) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError(str(path), [("", f"cannot read the manifest: {exc}")]) from None


def chunks_on_disk(results: Path) -> dict[int, Path]:
    """Chunk files present (complete by construction: they are renamed into place)."""
    found = {}
    for entry in results.iterdir():
        match = CHUNK_RE.match(entry.name)
        if match:
            found[int(match.group(1))] = entry
    return found


def prepare_directory(
    results: Path, manifest: dict[str, Any], resume: bool, say: Callable[[str], None] = print
) -> tuple[set[int], dict[str, Any]]:
    """Check the results directory; return the chunks already done and the manifest to write.

    Without ``resume`` the directory must be new or empty. With it, the manifest on
    disk must describe the same sweep.
    """
    results = Path(results)
    if results.exists() and not results.is_dir():
        raise ScenarioError(str(results), [("--out", "exists and is not a directory")])
    entries = sorted(results.iterdir()) if results.exists() else []
    if not resume:
        if entries:
            raise ScenarioError(
                str(results),
                [
                    (
                        "--out",
                        f"the results directory is not empty ({len(entries)} entries); "
                        "use --resume to finish an interrupted sweep there, or another --out",
                    )
                ],
            )
        results.mkdir(parents=True, exist_ok=True)
        return set(), manifest
    if not entries:
        results.mkdir(parents=True, exist_ok=True)
        return set(), manifest
    old = read_manifest(results)
    differ = [k for k in IDENTITY if old.get(k) != manifest.get(k)]
    if differ:
        shown = [k for k in differ if k != "fingerprint"]
        detail = "; ".join(f"{k}: on disk {old.get(k)!r}, now {manifest.get(k)!r}" for k in shown)
        if "fingerprint" in differ:
            if "field_digests" in old:
                fields = changed_fields(old["field_digests"], manifest["field_digests"])
                more = f" and {len(fields) - 8} more" if len(fields) > 8 else ""
                named = ", ".join(fields[:8]) + more
                what = f"changed: {named}" if fields else "the experiment or its scenario changed"
            else:  # a manifest from before fields were recorded
                what = "the experiment or its scenario file changed (fingerprint on disk "
                what += f"{old.get('fingerprint', '')[:12]}, now {manifest['fingerprint'][:12]})"
            detail = "; ".join([what, detail]) if detail else what
        raise ScenarioError(
            str(results / MANIFEST),
            [("--resume", f"these results are from a different sweep ({detail})")],
        )
    n_chunks = manifest["chunks"]
    present = chunks_on_disk(results)
    beyond = sorted(k for k in present if k >= n_chunks)
    if beyond and old.get("runs", 0) > manifest["runs"]:
        raise ScenarioError(
            str(results),
            [
                (
                    "--runs",
                    f"{manifest['runs']} runs is fewer than already on disk "
                    f"({old.get('runs')}); resume with --runs {old.get('runs')} or more",
                )
            ],
        )
    if beyond:
        names = ", ".join(present[k].name for k in beyond[:5])
        raise ScenarioError(
            str(results),
            [
                (
                    "",
                    f"{names}: beyond this sweep's {n_chunks} chunks, so not written by it; "
                    "move them away and --resume again",
                )
            ],
        )
    for stale in results.glob(".chunk-*.tmp"):
        stale.unlink(missing_ok=True)
    foreign = [e.name for e in entries if not _ours(e.name)]
    if foreign:
        shown = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        say(f"note: ignoring {shown} in {results}: not part of the sweep")
    done = set()
    size = manifest["chunk_size"]
    for k, path in sorted(present.items()):
        first, stop = k * size, min((k + 1) * size, manifest["runs"])
        identity = {
            "fingerprint": manifest["fingerprint"],
            "master_seed": manifest["master_seed"],
            "first": first,
            "stop": stop,
        }
        problem = chunk_problem(path, identity)
        if problem is None:
            done.add(k)
        else:  # a short last chunk of an earlier --runs preview, too, is run again
            say(f"note: {path.name} {problem}: running chunk {k} again")
    return done, manifest


def _ours(name: str) -> bool:
    """Whether an entry of a results directory is the sweep's own (hidden .tmp: a write's)."""
    if name in (MANIFEST, PLOTS) or CHUNK_RE.match(name):
        return True
    return name.startswith(".") and name.endswith(".tmp")


def sweep_files(results: Path) -> list[Path]:
    """The chunk files of a sweep's results, in run order, as its manifest counts them.

    Reading these, rather than the whole directory, keeps a stray file out of the results.
    """
    manifest = read_manifest(results)
    present = chunks_on_disk(Path(results))
    return [present[k] for k in sorted(present) if k < manifest.get("chunks", len(present))]


def tasks_for(
    plan: Plan,
    engine: str,
    runs: int,
    skip: Iterable[int] = (),
    constants: Constants = DEFAULT_CONSTANTS,
    draw: bool = True,
) -> Iterator[ChunkTask]:
    """The chunks still to run, in order (built lazily: a 10^6-run plan stays small)."""
    size = plan.chunk_size
    skip = set(skip)
    key = plan.fingerprint()
    experiment = plan.experiment
    for k in range(-(-runs // size)):
        if k in skip:
            continue
        first, stop = k * size, min((k + 1) * size, runs)
        indices = np.arange(first, stop)
        yield ChunkTask(
            index=k,
            first=first,
            stop=stop,
            key=key,
            scenario_name=str(plan.scenario_path),
            scenario_document=plan.scenario_document,
            values=plan.point_values(indices),
            points=indices // experiment.replications,
            replications=experiment.replications,
            master_seed=experiment.master_seed,
            engine=engine,
            until=experiment.until,
            outcomes=tuple(experiment.outcomes),
            constants=constants,
            draw=draw,
        )


@contextlib.contextmanager
def exclusive_lock(results: Path) -> Iterator[None]:
    """Hold an exclusive lock on a results directory, or refuse: one writer at a time.

    The lock is the kernel's (flock on the directory itself): it goes with the process,
    so a sweep killed with -9 leaves no stale lock behind.
    """
    import fcntl

    fd = os.open(results, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ScenarioError(
                str(results),
                [
                    (
                        "--out",
                        "another negsim sweep is writing to this directory; wait for it to "
                        "finish (then --resume) or choose another --out",
                    )
                ],
            ) from None
        yield
    finally:
        os.close(fd)


# --- executors ----------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _die_with(parent: int, every: float = 0.5) -> None:
    """A worker's initializer: exit as soon as the sweep's main process is gone.

    A worker's parent is the forkserver, not the sweep, so the kernel's parent-death signal
    cannot be used; a daemon thread watches the sweep's process instead.
    """

    def watch() -> None:
        while _alive(parent):
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="negsim-parent-watch", daemon=True).start()


def run_in_process(tasks: Iterable[ChunkTask]) -> Iterator[tuple[ChunkTask, pa.Table]]:
    """Run chunks one after the other in this process."""
    for task in tasks:
        yield task, run_chunk(task)


@contextlib.contextmanager
def stop_signals_as_flag() -> Iterator[threading.Event]:
    """Ctrl-C and SIGTERM set a flag while local workers run, for the chunk loop to read.

    Raised where it lands (Python's way with Ctrl-C), the interruption can fall inside the
    executor's locks: ``concurrent.futures.wait`` takes every future's lock in turn, and an
    exception between two leaves the first held, so the pool's shutdown then waits for ever
    (seen when a SIGTERM arrived as the sweep woke). The loop raises it itself, between
    waits. Outside the main thread, where handlers cannot be set, signals are left alone.
    """
    stop = threading.Event()
    previous = {}

    def flag(*_: object) -> None:
        # A second signal, while the pool waits for its running chunks, acts as it would
        # have without us (Ctrl-C interrupts, SIGTERM ends the process): restore at once.
        stop.set()
        for number, handler in previous.items():
            signal.signal(number, handler)

    with contextlib.suppress(ValueError):  # not the main thread
        for number in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(number) is not signal.SIG_IGN:  # ignored stays ignored
                previous[number] = signal.signal(number, flag)
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run_local(tasks: Iterable[ChunkTask], workers: int) -> Iterator[tuple[ChunkTask, pa.Table]]:
    """Run chunks on ``workers`` local processes, a few chunks in flight per worker."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["negsim.sweep"])
    pending = iter(tasks)
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_die_with, initargs=(os.getpid(),)
    )
    finished_cleanly = False
    with stop_signals_as_flag() as stop, pool:
        flying: dict[Future, ChunkTask] = {}
        try:
            for task in pending:
                flying[pool.submit(run_chunk, task)] = task
                if len(flying) >= 2 * workers:
                    break
            while flying:
                finished, _ = wait(flying, timeout=STOP_POLL, return_when=FIRST_COMPLETED)
                if stop.is_set():
                    raise KeyboardInterrupt
                for future in finished:
                    task = flying.pop(future)
                    yield task, future.result()
                    following = next(pending, None)
                    if following is not None:
                        flying[pool.submit(run_chunk, following)] = following
            finished_cleanly = True
        finally:
            for future in flying:
                future.cancel()
            if not finished_cleanly:
                # Ctrl-C, SIGTERM, an error: queued chunks are dropped, the ones running end
                # (a chunk takes seconds). Terminating workers instead can leave half a result
                # in the pool's pipe, and the pool's shutdown then waits on it for ever.
                pool.shutdown(wait=True, cancel_futures=True)


def run_dask(
    tasks: Iterable[ChunkTask], address: str, workers: int
) -> Iterator[tuple[ChunkTask, pa.Table]]:
    """Run chunks on a Dask cluster (``address``), or a LocalCluster (``"local"``)."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if address == "local":
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        )
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout="30s")
        except (OSError, ValueError, TypeError) as exc:  # a bad address, or nobody there
            raise ScenarioError(
                "--dask",
                [
                    (
                        "",
                        f"cannot reach a Dask scheduler at {address!r} ({exc}); give its "
                        "address as tcp://HOST:PORT, or 'local' for a cluster on this machine",
                    )
                ],
            ) from None
    try:
        cores = max(1, sum(client.nthreads().values()))
        pending = iter(tasks)
        queue = as_completed()
        flying: dict[str, ChunkTask] = {}
        for task in pending:
            future = client.submit(run_chunk, task, pure=False)
            flying[future.key] = task
            queue.add(future)
            if len(flying) >= 2 * cores:
                break
        for future in queue:
            task = flying.pop(future.key)
            table = future.result()
            future.release()
            yield task, table
            following = next(pending, None)
            if following is not None:
                more = client.submit(run_chunk, following, pure=False)
                flying[more.key] = following
                queue.add(more)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --- a sweep ------------------------------------------------------------------------------


@dataclass
class SweepReport:
    """What a sweep did."""

    results: Path
    runs: int
    chunks_run: int
    chunks_skipped: int
    runs_run: int
    seconds: float
    agreement_probability: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def runs_per_second(self) -> float:
        """Runs computed per second of wall time (skipped chunks not counted)."""
        return self.runs_run / self.seconds if self.seconds > 0 else float("nan")


def run_sweep(
    plan: Plan,
    results: Path,
    engine: str = "batch",
    workers: int | None = None,
    dask: str | None = None,
    runs: int | None = None,
    resume: bool = False,
    progress: bool = True,
    constants: Constants = DEFAULT_CONSTANTS,
    on_chunk: Callable[[ChunkTask], None] | None = None,
    say: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    draw: bool = True,
) -> SweepReport:
    """Run (or finish) an experiment's sweep into ``results``; bad input raises ScenarioError.

    The results directory is locked for the sweep's life: a second sweep into it is refused.
    ``say`` receives the lines about chunks run again and files ignored. With ``draw``
    (the default) each run draws the scenario's judgements with ranges (the design's
    parameters excepted); ``draw=False`` is ``--fixed``: the point values.
    """
    from negsim.results_files import ensure_directory, output_error

    if engine not in ENGINES:
        raise ScenarioError("--engine", [("", f"unknown engine {engine!r}; one of batch, mesa")])
    workers = workers or os.cpu_count() or 1
    total = plan.total_runs
    runs = total if runs is None else runs
    if not 1 <= runs <= total:
        raise ScenarioError(
            "--runs", [("", f"must be between 1 and the design's {total:,} runs (got {runs})")]
        )
    results = Path(results)
    manifest = manifest_for(plan, engine, runs, constants, draw)
    try:  # a name too long, say, fails here already
        if results.exists() and not results.is_dir():
            raise ScenarioError(str(results), [("--out", "exists and is not a directory")])
        created = [d for d in (results, *results.parents) if not d.exists()]  # deepest first
    except OSError as exc:
        raise output_error(results, exc) from None
    try:
        with exclusive_lock(ensure_directory(results)):
            return _run_locked(plan, results, manifest, engine, workers, dask, runs, resume,
                               progress, constants, on_chunk, say)  # fmt: skip
    except ScenarioError:
        with contextlib.suppress(OSError):  # refused before any run: leave nothing
            if created and results.is_dir() and not chunks_on_disk(results):
                (results / MANIFEST).unlink(missing_ok=True)
        for directory in created:
            with contextlib.suppress(OSError):
                directory.rmdir()  # only if empty: chunks of an interrupted sweep stay
        raise


def _run_locked(
    plan: Plan,
    results: Path,
    manifest: dict[str, Any],
    engine: str,
    workers: int,
    dask: str | None,
    runs: int,
    resume: bool,
    progress: bool,
    constants: Constants,
    on_chunk: Callable[[ChunkTask], None] | None,
    say: Callable[[str], None],
) -> SweepReport:
    from negsim.results_files import write_json

    done, manifest = prepare_directory(results, manifest, resume, say)
    write_json(results / MANIFEST, manifest)
    size = plan.chunk_size
    skipped_runs = sum(min((k + 1) * size, runs) - k * size for k in done)
    tasks = tasks_for(plan, engine, runs, done, constants, manifest["judgements"]["drawn"])
    if dask:
        stream = run_dask(tasks, dask, workers)
    elif workers == 1:
        stream = run_in_process(tasks)
    else:
        stream = run_local(tasks, workers)
    bar = _progress_bar(runs, skipped_runs, plan.experiment.id, progress)
    started = time.perf_counter()
    chunks_run = runs_run = 0
    try:
        for task, table in stream:
            write_table(results / chunk_name(task.index), table, chunk_identity(task))
            chunks_run += 1
            runs_run += task.runs
            bar.update(task.runs)
            if on_chunk is not None:
                on_chunk(task)
    finally:
        bar.close()
        if hasattr(stream, "close"):
            stream.close()
    seconds = time.perf_counter() - started
    manifest["status"] = "complete"
    manifest["last_session"] = {
        "chunks_run": chunks_run,
        "runs_run": runs_run,
        "seconds": round(seconds, 3),
        "executor": f"dask {dask}" if dask else f"local processes x{workers}",
    }
    write_json(results / MANIFEST, manifest)
    report = SweepReport(results, runs, chunks_run, len(done), runs_run, seconds)
    if "agreed" in plan.experiment.outcomes:
        agreed = pq.read_table(sweep_files(results), columns=["agreed"]).column("agreed")
        report.agreement_probability = float(np.mean(agreed.to_numpy(zero_copy_only=False)))
    return report


def _progress_bar(total: int, initial: int, label: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="run",
        unit_scale=True,
        desc=label,
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
        smoothing=0.1,
    )


def read_results(results: Path) -> Any:
    """The dataset (the sweep's own chunk files) as a pandas DataFrame, sorted by run index."""
    frame = pq.read_table(sweep_files(results)).to_pandas()
    return frame.sort_values("run", kind="stable").reset_index(drop=True)
