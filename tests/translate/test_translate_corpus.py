"""The hand-checked translation corpus in bench/data: shape, split rule and kept identifiers."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from digest.translate.glossary import load_glossary

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "bench" / "data" / "translate_corpus.tsv"
SAMPLER = ROOT / "bench" / "data" / "sample_corpus.py"
UPSTREAM = ROOT.parent / "shared" / "upstream"
COLUMNS = ["id", "split", "project", "era", "kind", "english", "japanese"]
KINDS = {
    "fix",
    "feature",
    "change",
    "deprecation",
    "noun",
    "merge",
    "conditional",
    "negation",
    "code-span",
    "operator",
    "trap",
    "other",
}
SPLIT_SEED = "20261205"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def load() -> list[dict[str, str]]:
    """The corpus rows as dicts, checking every line has exactly the seven columns."""
    lines = CORPUS.read_text(encoding="utf-8").split("\n")
    assert lines[0].split("\t") == COLUMNS
    rows = []
    for number, line in enumerate(lines[1:], 2):
        if not line:
            continue
        fields = line.split("\t")
        assert len(fields) == len(COLUMNS), f"line {number}: {len(fields)} fields (a stray tab?)"
        rows.append(dict(zip(COLUMNS, fields, strict=True)))
    return rows


ROWS = load()


def test_size_and_unique_english() -> None:
    """At least 500 lines, no English line twice, no id twice."""
    assert len(ROWS) >= 500
    english = [r["english"] for r in ROWS]
    assert len(set(english)) == len(english)
    assert len({r["id"] for r in ROWS}) == len(ROWS)


def test_fields_are_filled_and_clean() -> None:
    """Every field non-empty and stripped; values from the documented sets; Japanese is Japanese."""
    for row in ROWS:
        for column, value in row.items():
            assert value and value == value.strip(), (row["id"], column)
            assert "\r" not in value, (row["id"], column)
        assert row["split"] in {"dev", "test"}
        assert row["kind"] in KINDS, row
        assert JAPANESE.search(row["japanese"]), row["id"]


def test_both_splits_cover_every_project_and_era() -> None:
    """Each project, and each era with two lines or more, has dev and test lines."""
    for key in ("project", "era"):
        splits: dict[str, set[str]] = defaultdict(set)
        counts: dict[str, int] = defaultdict(int)
        for row in ROWS:
            splits[row[key]].add(row["split"])
            counts[row[key]] += 1
        for name, seen in splits.items():
            if counts[name] >= 2:
                assert seen == {"dev", "test"}, f"{key} {name} has only {seen}"


def test_split_follows_the_seeded_hash() -> None:
    """Within each project/era the lines, ordered by a seeded hash, alternate dev, test, dev..."""
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in ROWS:
        groups[(row["project"], row["era"])].append(row)
    for rows in groups.values():
        ordered = sorted(rows, key=lambda r: _hash(r["english"]))
        assert [r["split"] for r in ordered] == [
            "dev" if i % 2 == 0 else "test" for i in range(len(ordered))
        ]


def _hash(english: str) -> str:
    return hashlib.sha256(f"{SPLIT_SEED}:{english}".encode()).hexdigest()


def test_every_protected_identifier_is_kept() -> None:
    """Each identifier the engine protects in the English appears verbatim in the reference."""
    finder = load_glossary().finder
    lost = [
        (row["id"], token)
        for row in ROWS
        for token in finder.find(row["english"])
        if token not in row["japanese"]
    ]
    assert lost == []


def test_english_lines_are_the_seeded_sample() -> None:
    """The English column is exactly what sample_corpus.py draws from ../shared, in order."""
    if not (UPSTREAM / "pacemaker.commits.jsonl.gz").exists():
        pytest.skip(f"upstream history data not found at {UPSTREAM} (../shared is missing)")
    out = subprocess.run(
        [sys.executable, str(SAMPLER)], check=True, capture_output=True, text=True
    ).stdout
    sampled = [line.split("\t") for line in out.splitlines()]
    assert [s[3] for s in sampled] == [r["english"] for r in ROWS]
    assert [(s[0], s[1]) for s in sampled] == [(r["project"], r["era"]) for r in ROWS]


def test_sample_prints_the_same_seeded_test_lines_each_run() -> None:
    script = ROOT / "bench" / "translate_eval.py"
    runs = [
        subprocess.run(
            [sys.executable, str(script), "--sample", "test", "5"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and len(runs[0]) == 5
    tests = {(r["english"], r["japanese"]) for r in ROWS if r["split"] == "test"}
    for line in runs[0]:
        english, digest, reference = line.split(" | ")
        assert (english, reference) in tests and JAPANESE.search(digest)
