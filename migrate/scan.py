"""Run a scan over discovered files: batches of files, in parallel when it pays."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from migrate.discovery import SourceFile
from migrate.engine import Prefilter, scan_file
from migrate.findings import FileResult
from migrate.registry import RuleSet
from migrate.scan_report import ScanReport
from migrate.targets import TargetName

# Below this many files a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 256
_BATCH = 128

Progress = Callable[[int], None]


@dataclass(frozen=True)
class _Batch:
    """What one worker returns: the results worth keeping, and how many files the prefilter skipped."""

    results: list[FileResult]
    skipped: int


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_scan(
    files: Sequence[SourceFile],
    ruleset: RuleSet,
    target: TargetName,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> ScanReport:
    """Scan `files` and build the report; per-file problems become failures, never exceptions."""
    jobs = jobs or default_jobs()
    batches = [list(files[i : i + _BATCH]) for i in range(0, len(files), _BATCH)]
    done: list[_Batch] = []
    if jobs <= 1 or len(files) < _PARALLEL_THRESHOLD:
        prefilter = Prefilter(ruleset)
        for batch in batches:
            done.append(_scan_batch(batch, ruleset, target, prefilter))
            if progress:
                progress(len(batch))
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed  # a pool costs ~10 ms to import

        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(ruleset, target)) as pool:
            futures = {pool.submit(_scan_batch_in_worker, batch): len(batch) for batch in batches}
            for future in as_completed(futures):
                done.append(future.result())
                if progress:
                    progress(futures[future])
    results = [result for batch in done for result in batch.results]
    skipped = sum(batch.skipped for batch in done)
    return ScanReport.build(target, [rule.id for rule in ruleset.rules], results, skipped)


def _scan_batch(batch: list[SourceFile], ruleset: RuleSet, target: TargetName, prefilter: Prefilter) -> _Batch:
    results: list[FileResult] = []
    skipped = 0
    for source in batch:
        result = scan_file(source.path, source.display, source.language, ruleset, target, prefilter)
        if result.status == "skipped":
            skipped += 1
        else:
            results.append(result)
    return _Batch(results, skipped)


_worker: tuple[RuleSet, TargetName, Prefilter] | None = None


def _init_worker(ruleset: RuleSet, target: TargetName) -> None:
    global _worker
    _worker = (ruleset, target, Prefilter(ruleset))


def _scan_batch_in_worker(batch: list[SourceFile]) -> _Batch:
    assert _worker is not None, "worker not initialised"
    ruleset, target, prefilter = _worker
    return _scan_batch(batch, ruleset, target, prefilter)
