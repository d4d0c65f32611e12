"""Query benchmark: latency of `digest query` shapes over all five projects' full history.

Builds shadow repositories of the five upstreams (../shared), fetches them into one database,
classifies, then times in-process (each query shape run over varied arguments):
component, release, date-range and text (English and Japanese) queries -> p50 / p95 in ms
(target p95 < 50 ms), and the time to render one month's draft. DIGEST_BENCH_DIR reuses a
prepared directory (sources.yaml + digest.db) to skip the set-up.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.shadow import fetched_store  # noqa: E402

PROJECTS = ["pacemaker", "pacemaker-1.0", "cluster-glue", "crmsh", "lcmc"]
SHAPES = {
    "component": [
        {"components": ("stonith",)},
        {"components": ("PE",), "projects": ("pacemaker",)},
        {"components": ("cib",), "severity": "High"},
        {"components": ("lrmd",), "kind": "fix"},
    ],
    "release": [
        {"release": "1.0.12", "projects": ("pacemaker-1.0",)},
        {"release": "2.1.6", "projects": ("pacemaker",)},
        {"since_release": "2.1.6", "projects": ("pacemaker",), "components": ("stonith",)},
        {"release": "4.6.0", "projects": ("crmsh",)},
    ],
    "date-range": [
        {"since": "2011-11-01", "until": "2011-11-30"},
        {"since": "2020-01-01", "until": "2020-06-30", "projects": ("pacemaker",)},
        {"since": "2015-03-01", "until": "2015-03-31", "kind": "fix"},
    ],
    "text": [
        {"text": "gnutls_bye"},
        {"text": "fencing topology"},
        {"text": "ノード"},
        {"text": "monitor operation"},
    ],
}
ROUNDS = 15


def main() -> None:
    """Prepare the store (unless given), run every query shape, print the figures."""
    work = Path(os.environ.get("DIGEST_BENCH_DIR") or tempfile.mkdtemp(prefix="digest-query-"))
    config_path = work / "sources.yaml"
    if not (work / "digest.db").exists():
        fetched_store(work)
    from digest import store
    from digest.config import load_config
    from digest.monthly import make_draft
    from digest.query import resolve_components, run_query

    config = load_config(config_path)
    db = store.open_db(config.settings.database)
    commits = db.execute("SELECT COUNT(*) FROM commits").fetchone()[0]
    print(f"store: {commits} commits of {len(PROJECTS)} projects")
    run_query(db, store.ChangeFilter(limit=1))  # index once, as the first query after a fetch
    for shape, variants in SHAPES.items():
        times = []
        for _ in range(ROUNDS):
            for args in variants:
                args = dict(args)
                args["components"] = resolve_components(list(args.get("components", ())))
                start = time.perf_counter()
                run_query(db, store.ChangeFilter(**args))
                times.append((time.perf_counter() - start) * 1000)
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        print(f"{shape:<11} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   (target p95 < 50 ms)")
    start = time.perf_counter()
    _, report = make_draft(config, db, "2011-11", out_dir=work / "drafts")
    print(f"draft render for 2011-11: {time.perf_counter() - start:.2f} s ({report.line()})")


if __name__ == "__main__":
    main()
