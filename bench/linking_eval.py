"""How many Pacemaker 2.x/3.x ChangeLog entries are linked to a commit, and how often rightly?

Builds the Pacemaker shadow repository from ../shared (or uses --db, a store already fetched
from it; --relink links its entries again with the code checked out), fetches it into a
temporary store and prints, for every final release from 2.0.0 on, the share of its ChangeLog
entries linked and by which methods, then the precision and recall on the hand-checked samples
bench/data/linking_sample.tsv and bench/data/linking_sample_fresh.tsv.

Each sample was drawn (``--draw``; entries of earlier samples are left out) and checked by hand
before the linker's answers were compared. Releases are split by the parity of the patch
number: odd (2.0.1, 2.1.3, 3.0.1, ...) is the dev split the linker was tuned on, even (2.0.0,
2.1.10, 3.0.2, ...) the test split, only reported. The fresh sample holds test entries only.

    .venv/bin/python bench/linking_eval.py [--db digest.db [--relink]] [--draw TEST DEV --seed N]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.shadow import fetched_store  # noqa: E402
from digest import store  # noqa: E402
from digest.fetch.containment import GraphContainment  # noqa: E402
from digest.fetch.history import History, load_history  # noqa: E402
from digest.fetch.matching import link_entries  # noqa: E402
from digest.fetch.similarity import taxonomy_components  # noqa: E402
from digest.models import ChangelogEntry, Release  # noqa: E402

SHARED = ROOT.parent / "shared"
SAMPLES = [
    ROOT / "bench" / "data" / "linking_sample.tsv",
    ROOT / "bench" / "data" / "linking_sample_fresh.tsv",
]
PROJECT = "pacemaker"


def split_of(version: str) -> str:
    """'dev' for an odd patch number, 'test' for an even one."""
    return "dev" if int(version.split("-")[0].split(".")[2]) % 2 else "test"


def modern_releases(db) -> list[str]:
    """Final Pacemaker releases from 2.0.0 on, oldest first."""
    rows = store.releases_of(db, PROJECT)
    found = [r["version"] for r in rows if not r["is_rc"]]
    return [v for v in found if tuple(int(p) for p in v.split(".")[:2]) >= (2, 0)]


def build_store(workdir: Path) -> Path:
    """A store fetched from a fresh Pacemaker shadow repository; returns its path."""
    started = time.perf_counter()
    fetched_store(workdir, [PROJECT])
    print(f"fetched in {time.perf_counter() - started:.1f} s")
    return workdir / "digest.db"


def rate_table(db) -> None:
    """Per release: linked/entries, the rate and the methods used; then overall."""
    total = linked = 0
    print(f"{'release':<9} {'split':<5} {'linked':>9} {'rate':>6}  methods")
    for version in modern_releases(db):
        entries = store.changelog_entries(db, PROJECT, version)
        done = [e for e in entries if e["commit_sha"]]
        methods = Counter(e["match_method"] for e in done)
        total, linked = total + len(entries), linked + len(done)
        rate = f"{len(done) / len(entries):.1%}" if entries else "-"
        shown = " ".join(f"{m}={n}" for m, n in methods.most_common())
        print(
            f"{version:<9} {split_of(version):<5} {len(done):>4}/{len(entries):<4} "
            f"{rate:>6}  {shown}"
        )
    print(f"{'overall':<15} {linked:>4}/{total:<4} {linked / max(total, 1):.1%}")


def _rows(path: Path) -> list[dict[str, str]]:
    """The rows of a hand-checked sample (tsv, '#' comment lines)."""
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def precision(db, sample: Path) -> None:
    """Precision and recall of the links on a hand-checked sample, per split."""
    if not sample.exists():
        print(f"no sample at {sample}")
        return
    print(f"sample {sample.name}:")
    tally: dict[str, Counter[str]] = {"dev": Counter(), "test": Counter()}
    wrong: list[str] = []
    for row in _rows(sample):
        outcome = _judge(db, row)
        tally[split_of(row["release"])][outcome] += 1
        if outcome == "wrong":
            wrong.append(f"  wrong: {row['release']} {row['text'][:70]}")
    for split, counts in tally.items():
        made = counts["right"] + counts["wrong"]
        linkable = counts["right"] + counts["missed"]
        print(
            f"{split}: {sum(counts.values())} entries, precision {counts['right']}/{made} "
            f"= {counts['right'] / max(made, 1):.1%}, recall {counts['right']}/{linkable} "
            f"= {counts['right'] / max(linkable, 1):.1%}, none expected {counts['none']}"
        )
    print("\n".join(wrong))


def _judge(db, row: dict[str, str]) -> str:
    """right, wrong, missed (linkable but unlinked) or none (nothing to link, none made)."""
    expected = {sha.strip() for sha in row["expected"].split(",") if sha.strip() != "-"}
    entries = store.changelog_entries(db, PROJECT, row["release"])
    position = int(row["position"])
    entry = next(e for e in entries if e["position"] == position)
    sha = entry["commit_sha"]
    if sha is None:
        return "missed" if expected else "none"
    return "right" if any(sha.startswith(e) for e in expected) else "wrong"


def stored_ranges(db) -> tuple[History, list[Release], dict[str, set[str]]]:
    """The stored Pacemaker history, its releases and each release's range of commits."""
    history = load_history(db, PROJECT, ["ChangeLog.md", "ChangeLog"])
    releases = [
        Release(PROJECT, r["version"], r["commit_sha"], r["date"], r["tag"], bool(r["is_rc"]))
        for r in store.releases_of(db, PROJECT)
    ]
    ranges = GraphContainment(history.parents, releases).ranges(r.version for r in releases)
    return history, releases, ranges


def timing(db) -> None:
    """Linking every Pacemaker release: subject methods only (the baseline) vs all methods."""
    history, releases, ranges = stored_ranges(db)
    sections = {
        r.version: [_as_entry(e) for e in store.changelog_entries(db, PROJECT, r.version)]
        for r in releases
    }
    index = history.index  # built once, outside the timings
    components = taxonomy_components(PROJECT)

    def run(full: bool) -> float:
        started = time.perf_counter()
        for version, entries in sections.items():
            extra = (components, history.parents) if full else ()
            list(link_entries(entries, index, ranges[version], *extra))
        return time.perf_counter() - started

    base = min(run(False) for _ in range(3))
    full = min(run(True) for _ in range(3))
    count = sum(len(e) for e in sections.values())
    print(
        f"linking {count} entries of {len(sections)} releases: subject methods {base:.2f} s, "
        f"all methods {full:.2f} s ({full / base:.2f}x, best of 3)"
    )


def relink(db) -> None:
    """Link every stored Pacemaker entry again with the code as it is now (for --db stores)."""
    history, releases, ranges = stored_ranges(db)
    components = taxonomy_components(PROJECT)
    with db.conn:
        for release in releases:
            stored = store.changelog_entries(db, PROJECT, release.version)
            entries = [_as_entry(e) for e in stored]
            linked = link_entries(
                entries, history.index, ranges[release.version], components, history.parents
            )
            for row, (_, sha, method, score) in zip(stored, linked, strict=True):
                db.execute(
                    "UPDATE changelog_entries SET commit_sha = ?, match_method = ?, "
                    "match_score = ? WHERE id = ?",
                    [sha, method, score, row["id"]],
                )


def _as_entry(row: dict) -> ChangelogEntry:
    raw = row["raw"] if "raw" in row else row["text"]
    return ChangelogEntry(row["position"], row["text"], raw, component=row["component"])


def draw(db, per_release: dict[str, int], seed: int, exclude: list[Path]) -> None:
    """A seeded sample (tsv) for hand-checking: so many entries of each release of a split.

    Entries already in the samples named by exclude are not drawn again.
    """
    rng = random.Random(seed)
    rows = [row for path in exclude if path.exists() for row in _rows(path)]
    seen = {(row["release"], int(row["position"])) for row in rows}
    print("release\tposition\ttext\texpected")
    for version in modern_releases(db):
        found = store.changelog_entries(db, PROJECT, version)
        entries = [e for e in found if (version, e["position"]) not in seen]
        count = min(per_release[split_of(version)], len(entries))
        for entry in sorted(rng.sample(entries, count), key=lambda e: e["position"]):
            print(f"{version}\t{entry['position']}\t{entry['text']}\t")


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="a store already fetched from the shadow repo")
    parser.add_argument(
        "--draw",
        nargs=2,
        type=int,
        metavar=("TEST", "DEV"),
        help="print a sample (so many entries per test and per dev release) to check by hand",
    )
    parser.add_argument("--seed", type=int, default=12, help="the seed of --draw")
    parser.add_argument(
        "--relink",
        action="store_true",
        help="link the --db store's entries again with the current code (changes the store)",
    )
    args = parser.parse_args()
    if not (SHARED / "upstream").is_dir() and args.db is None:
        sys.exit(f"skipped: {SHARED / 'upstream'} is missing")
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or build_store(Path(tmp))
        db = store.open_db(path)
        if args.relink:
            relink(db)
        if args.draw:
            draw(db, {"test": args.draw[0], "dev": args.draw[1]}, args.seed, SAMPLES)
            return
        rate_table(db)
        for sample in SAMPLES:
            precision(db, sample)
        timing(db)


if __name__ == "__main__":
    main()
