"""Export benchmark: items/s of `digest export --format perceval` (commits of Pacemaker) against
Perceval's own git backend over the same shadow repository, measured in the same run.

Builds the Pacemaker shadow repository (../shared), fetches and classifies it into a fresh
store, then times (best of ROUNDS) our export of every stored commit to a JSON-lines file and
Perceval's `Git(uri, gitpath).fetch()` over a bare clone of the same repository (cloned once,
untimed; `no_update=True`, so both sides only read and convert), its items written as JSON
lines too. Peak Python memory of each (tracemalloc) is printed as well. DIGEST_BENCH_DIR
reuses a prepared directory.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.shadow import fetched_store  # noqa: E402

PROJECT = "pacemaker"
ROUNDS = 3


def main() -> None:
    """Prepare the store (unless given), time both exports, print items/s and the ratio."""
    work = Path(os.environ.get("DIGEST_BENCH_DIR") or tempfile.mkdtemp(prefix="digest-export-"))
    config_path = work / "sources.yaml"
    if not (work / "digest.db").exists():
        fetched_store(work, [PROJECT])
    try:
        from perceval.backends.core.git import Git
    except ImportError:
        sys.exit("skipped: perceval is not installed (pip install -e '.[test]')")
    from digest import store
    from digest.config import load_config
    from digest.export import ExportRequest, write_export

    config = load_config(config_path)
    db = store.open_db(config.settings.database)
    repo = work / "upstream" / PROJECT
    gitpath = work / "perceval" / PROJECT
    request = ExportRequest(projects=(PROJECT,))
    out = work / "out.jsonl"

    def ours() -> int:
        with out.open("w", encoding="utf-8") as sink:
            return write_export(db, config, request, sink)

    def theirs() -> int:
        encode = json.JSONEncoder(ensure_ascii=False).encode
        count = 0
        with out.open("w", encoding="utf-8") as sink:
            for item in Git(str(repo), str(gitpath)).fetch(no_update=gitpath.exists()):
                sink.write(encode(item) + "\n")
                count += 1
        return count

    ours()  # first run brings the search index and TM keys up to date: not measured
    theirs()  # first run clones the bare mirror: not measured
    rate_ours, peak_ours, n_ours = _best(ours)
    rate_theirs, peak_theirs, n_theirs = _best(theirs)
    print(f"digest export   : {n_ours} items, {rate_ours:9,.0f} items/s, peak {peak_ours:.1f} MB")
    print(
        f"perceval Git    : {n_theirs} items, {rate_theirs:9,.0f} items/s, "
        f"peak {peak_theirs:.1f} MB"
    )
    print(f"ratio           : {rate_ours / rate_theirs:.1f}x Perceval's items/s")


def _best(run: Callable[[], int]) -> tuple[float, float, int]:
    """Best items/s over ROUNDS, then one traced run for peak memory (MB), and the count."""
    best, count = 0.0, 0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        count = run()
        best = max(best, count / (time.perf_counter() - start))
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return best, peak, count


if __name__ == "__main__":
    main()
