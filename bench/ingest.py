"""Ingest benchmark: `digest fetch` of the Pacemaker shadow repository vs plain `git log`.

Builds the shadow repository from ../shared (or uses DIGEST_BENCH_REPO), clones the bare mirror
once (timed on its own: that is git's transport), then times in the same run:
  baseline  git log -z --numstat over the same refs, same format, output discarded
  full      `digest fetch` into an empty database (commits, releases, ChangeLogs linked)
  no-op     a second `digest fetch` with nothing new upstream
  history   `digest fetch` with release tags and ChangeLogs switched off (commits only)
and prints the ratio full/baseline (target <= 1.5) and the peak memory of `digest fetch`.
Each timing is the best of three runs, the baseline's too.

`--all` does the same for the whole stack: shadow repositories of all eleven projects of the
shipped sources.yaml, one `digest fetch` of all of them against `git log --numstat` over every
mirror in turn (targets: <= 1.5x, peak memory < 400 MB, no-op re-fetch <= 1.5 s), then prints
`digest stats`.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PROJECT = os.environ.get("DIGEST_BENCH_PROJECT", "pacemaker")
T = TypeVar("T")


def main() -> None:
    """Run the benchmark (one project, or --all) and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="all projects of sources.yaml")
    if parser.parse_args().all:
        stack()
    else:
        single()


def single() -> None:
    """One project (DIGEST_BENCH_PROJECT, default pacemaker)."""
    work = Path(tempfile.mkdtemp(prefix="digest-bench-"))
    try:
        repo = _shadow(work)
        # Byte-compile the package first, as `pip install` does: the interpreter must not
        # compile digest's sources on every run that is timed.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "digest")], check=True)
        config = _config(work, repo)
        fetch = ["--config", str(config), "fetch", "--project", PROJECT]
        clone = _timed(fetch)[0]
        mirror = next((work / "cache" / "git").glob("*.git"))
        baseline, git_cpu = _cpu_of(lambda: min(_git_log(mirror) for _ in range(RUNS)))
        (full, rss, child_rss), fetch_cpu = _cpu_of(lambda: _best_of(work, fetch))
        noop = _timed(fetch)[0]
        commits = _count(work / "digest.db")
        history_only = ["--config", str(_config(work, repo, releases=False)), *fetch[2:]]
        history = _best_of(work, history_only)[0]
        print(f"project            {PROJECT} ({commits} commits); best of {RUNS} runs each")
        print(f"first fetch incl. mirror clone   {clone:6.2f} s")
        print(f"baseline git log --numstat       {baseline:6.2f} s")
        print(f"digest fetch, empty database     {full:6.2f} s")
        print(f"ratio digest/git log             {full / baseline:6.2f}x  (target <= 1.5x)")
        _print_cpu(fetch_cpu, git_cpu)
        print(f"peak memory of digest fetch      {rss / 1024:6.0f} MB  (target < 300 MB)")
        print(f"  largest child (git or helper)  {child_rss / 1024:6.0f} MB")
        print(f"no-op re-fetch                   {noop:6.2f} s")
        print(f"history only: commits, no releases or ChangeLogs  {history:6.2f} s", end="")
        print(f"  = {history / baseline:.2f}x git log")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def stack() -> None:
    """All projects of the shipped sources.yaml in one fetch."""
    work = Path(tempfile.mkdtemp(prefix="digest-bench-all-"))
    try:
        shipped = yaml.safe_load((ROOT / "sources.yaml").read_text())
        projects = [p["id"] for p in shipped["projects"]]
        started = time.perf_counter()
        repos = {p: _shadow(work, p, own=False) for p in projects}
        built = time.perf_counter() - started
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "digest")], check=True)
        config = _stack_config(work, repos)
        fetch = ["--config", str(config), "fetch"]
        clone = _timed(fetch)[0]
        mirrors = sorted((work / "cache" / "git").glob("*.git"))
        baseline, git_cpu = _cpu_of(
            lambda: min(sum(_git_log(m) for m in mirrors) for _ in range(RUNS))
        )
        (full, rss, child_rss), fetch_cpu = _cpu_of(lambda: _best_of(work, fetch))
        noop = min(_timed(fetch)[0] for _ in range(RUNS))
        commits = _count(work / "digest.db")
        print(f"projects           {len(projects)} ({commits} commits); best of {RUNS} runs each")
        print(f"shadow repositories built        {built:6.2f} s")
        print(f"first fetch incl. mirror clones  {clone:6.2f} s")
        print(f"baseline git log --numstat (all) {baseline:6.2f} s")
        print(f"digest fetch, empty database     {full:6.2f} s")
        print(f"ratio digest/git log             {full / baseline:6.2f}x  (target <= 1.5x)")
        _print_cpu(fetch_cpu, git_cpu)
        print(f"peak memory of digest fetch      {rss / 1024:6.0f} MB  (target < 400 MB)")
        print(f"  largest child (git or helper)  {child_rss / 1024:6.0f} MB")
        print(f"no-op re-fetch of all            {noop:6.2f} s  (target <= 1.5 s)")
        stats = subprocess.run(
            [sys.executable, "-m", "digest", "--config", str(config), "stats"],
            capture_output=True,
            text=True,
            check=True,
        )
        print(stats.stdout, end="")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _stack_config(work: Path, repos: dict[str, Path]) -> Path:
    """The shipped sources.yaml with every project pointed at its shadow repository."""
    doc = yaml.safe_load((ROOT / "sources.yaml").read_text())
    doc["settings"] = {"database": "digest.db", "cache_dir": "cache"}
    for project in doc["projects"]:
        project["sources"][0]["url"] = str(repos[project["id"]])
    for key in ("lists", "feeds"):
        doc.pop(key, None)
    path = work / "sources.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _shadow(work: Path, project: str = PROJECT, *, own: bool = True) -> Path:
    """A shadow repository of one project (or, for the single-project run, DIGEST_BENCH_REPO)."""
    if own and os.environ.get("DIGEST_BENCH_REPO"):
        return Path(os.environ["DIGEST_BENCH_REPO"])
    tool = SHARED / "tools" / "make-shadow-repo"
    if not tool.exists():
        sys.exit(f"skipped: {tool} not found (../shared is missing)")
    dest = work / "upstream" / project
    subprocess.run([sys.executable, str(tool), project, str(dest)], check=True, capture_output=True)
    return dest


def _config(work: Path, repo: Path, *, releases: bool = True) -> Path:
    doc = yaml.safe_load((ROOT / "sources.yaml").read_text())
    doc["settings"] = {"database": "digest.db", "cache_dir": "cache"}
    doc["projects"] = [p for p in doc["projects"] if p["id"] == PROJECT]
    doc.pop("draft", None)  # its project order names projects left out here
    source = doc["projects"][0]["sources"][0]
    source["url"] = str(repo)
    if not releases:
        for key in ("release_tags", "release_commits", "changelogs"):
            source.pop(key, None)
    for key in ("lists", "feeds"):
        doc.pop(key, None)
    path = work / ("sources.yaml" if releases else "history-only.yaml")
    path.write_text(yaml.safe_dump(doc))
    return path


def _git_log(mirror: Path) -> float:
    from digest.sources.git import LOG_FORMAT

    refs = subprocess.run(
        [
            "git",
            "-C",
            str(mirror),
            "for-each-ref",
            "--format=%(objectname)",
            "refs/heads",
            "refs/tags",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    start = time.perf_counter()
    subprocess.run(
        [
            "git",
            "-C",
            str(mirror),
            "log",
            "-z",
            "--numstat",
            "--no-renames",
            LOG_FORMAT,
            *sorted(set(refs)),
        ],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


_REPORT_RSS = (
    "import atexit, resource as r, sys; from digest.cli import main; atexit.register(lambda: "
    "print('maxrss', r.getrusage(r.RUSAGE_SELF).ru_maxrss, r.getrusage(r.RUSAGE_CHILDREN)"
    ".ru_maxrss, file=sys.stderr)); sys.argv[0] = 'digest'; main()"
)
RUNS = 3


def _cpu_of(run: Callable[[], T]) -> tuple[T, float]:
    """run()'s result and the CPU time its processes used per run (user + system, RUNS runs)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return result, used / RUNS


def _print_cpu(fetch_cpu: float, git_cpu: float) -> None:
    """CPU time per run of digest fetch (all its processes) and of git log: on two cores the
    wall time cannot fall below half the CPU time."""
    print(f"CPU time digest fetch / git log  {fetch_cpu:6.2f} s / {git_cpu:.2f} s", end="")
    print(f" = {fetch_cpu / git_cpu:.2f}x  (wall >= CPU / cores: {fetch_cpu / 2:.2f} s on 2)")


def _best_of(work: Path, args: list[str]) -> tuple[float, int, int]:
    """The fastest of RUNS fetches into an empty database; the largest peak memory seen."""
    runs = []
    for _ in range(RUNS):
        (work / "digest.db").unlink(missing_ok=True)
        runs.append(_timed(args))
    return min(r[0] for r in runs), max(r[1] for r in runs), max(r[2] for r in runs)


def _timed(args: list[str]) -> tuple[float, int, int]:
    """Wall time of `digest ARGS`, the peak RSS (KB) of digest itself and of its largest child."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _REPORT_RSS, *args], check=True, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    rss, child_rss = proc.stderr.rsplit("maxrss", 1)[1].split()[:2]
    return elapsed, int(rss), int(child_rss)


def _count(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM commits").fetchone()[0]


if __name__ == "__main__":
    main()
