"""Translation quality and speed on the hand-checked corpus (dev and test) and the reference post.

Corpus: bench/data/translate_corpus.tsv (id, split, project, era, kind, english, japanese). For
each split the rules engine's output is scored with chrF against the editors' Japanese; the floor
leaves the English untranslated. Also printed: the English-tail rate (an English clause left in
（…） at the end, or a run of four or more plain English words), identifiers lost, the share of
lines marked needs_review and lines/s. The TM two-fold figure imports one half of the corpus into
an empty TM (pairs aligned into term candidates), translates the other half, then swaps the halves;
the gain is against the same lines translated with an empty TM. The reference post (December 2011
digest in ../shared/reference) is printed separately, as before.

`--show dev [N]` prints N dev lines as English | digest | reference for tuning (dev only).
`--sample test [N]` prints N lines (default 20) of a split drawn with a fixed seed as
`English | digest | reference`, unedited, for a closing note (not for tuning); the digest side is
shown as the draft shows it, with the （要確認） marker on a line that needs review.
"""

from __future__ import annotations

import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chrf import corpus_chrf  # noqa: E402
from digest import store  # noqa: E402
from digest.posts import ExplainedChange, explained_changes  # noqa: E402
from digest.translate import Pipeline, Result  # noqa: E402
from digest.translate.glossary import Glossary, load_glossary  # noqa: E402
from digest.translate.lines import clean, identifier_text, protected_in  # noqa: E402
from digest.translate.manage import import_post  # noqa: E402
from digest.translate.markdown import REVIEW_MARK  # noqa: E402
from digest.translate.rules import RulesEngine  # noqa: E402
from digest.translate.terms import approve_terms, learn_pairs, term_candidates  # noqa: E402
from digest.translate.tokens import missing_tokens  # noqa: E402

SHARED = ROOT.parent / "shared"
POST = SHARED / "reference" / "2011-12-02-monthly-digest-december.md"
CORPUS = ROOT / "bench" / "data" / "translate_corpus.tsv"
_PAREN_TAIL = re.compile(r"（[^（）]*[A-Za-z]{2,}[^（）]*）[。.]?\s*(?:\([^()]*\))?\s*$")
_ENGLISH_RUN = re.compile(r"[A-Za-z][\w'-]*(?:[ ,]+[A-Za-z][\w'-]*){3,}")


@dataclass(frozen=True)
class Row:
    """One corpus line."""

    id: str
    split: str
    kind: str
    english: str
    japanese: str


def load_corpus(path: Path = CORPUS) -> list[Row]:
    """The corpus rows (empty if the file is missing)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        if line.strip():
            d = dict(zip(header, line.split("\t"), strict=True))
            rows.append(Row(d["id"], d["split"], d["kind"], d["english"], d["japanese"]))
    return rows


def english_tail(source: str, output: str, g: Glossary) -> bool:
    """An English clause left in （…） at the end, or four or more plain English words in a row
    (the line's identifiers do not count as English)."""
    plain = output
    for token in sorted(g.finder.find(source), key=len, reverse=True):
        plain = plain.replace(token, " ")
    return bool(_PAREN_TAIL.search(plain) or _ENGLISH_RUN.search(plain))


WARM_UP = ["High: PE: Fix memory leak in LogActions", "Medium: crmd: Do not vote twice"]


def rules_results(engine: RulesEngine, lines: list[str]) -> tuple[list[Result], float, float]:
    """Engine results (with state) and lines/s by wall clock and by CPU time (median of three
    passes after a warm-up; CPU time is what the engine costs on a busy machine)."""
    engine.translate(WARM_UP)
    wall, cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        results = engine.translate_results(lines)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    per = [len(lines) / max(sorted(t)[1], 1e-9) for t in (wall, cpu)]
    return results, per[0], per[1]


def split_figures(engine: RulesEngine, rows: list[Row], name: str) -> None:
    """Print chrF, floor, English tail, identifiers lost, needs_review and speed for a split."""
    sources = [r.english for r in rows]
    refs = [r.japanese for r in rows]
    results, wall, cpu = rules_results(engine, sources)
    hyps = [r.text for r in results]
    score, floor = corpus_chrf(hyps, refs), corpus_chrf(sources, refs)
    tailed = [english_tail(s, h, engine.g) for s, h in zip(sources, hyps, strict=True)]
    tails = sum(tailed)
    sure = [r.state == "machine" for r in results]
    sure_tails = sum(t and m for t, m in zip(tailed, sure, strict=True))
    kept = sum("「" in r.text and r.state == "needs_review" for r in results)
    lost = sum(
        1
        for s, h in zip(sources, hyps, strict=True)
        if missing_tokens(
            protected_in(identifier_text(s), engine.g.finder.find(identifier_text(s))), h
        )
    )
    review = sum(r.state == "needs_review" for r in results)
    n = len(rows)
    print(
        f"{name:5} {n:4} lines  chrF {score:5.1f}  floor {floor:5.1f}  "
        f"(+{score - floor:.1f})  English tail {100 * tails / n:4.1f} % "
        f"(machine lines {100 * sure_tails / max(sum(sure), 1):.1f} %, English clause kept "
        f"{100 * kept / n:.1f} %)  "
        f"identifiers lost {lost}  needs_review {100 * review / n:4.1f} %  "
        f"{cpu:,.0f} lines/s CPU ({wall:,.0f} wall)"
    )


def two_fold(rows: list[Row], g: Glossary) -> None:
    """Import half the corpus into an empty TM, translate the other half, and swap."""
    halves = [rows[0::2], rows[1::2]]
    empty, tm_only, with_terms, refs = [], [], [], []
    for learn, held in (halves, halves[::-1]):
        sources = [r.english for r in held]
        refs += [r.japanese for r in held]
        empty += _translate(g, sources, lambda db: None)
        tm_only += _translate(g, sources, lambda db, learn=learn: _learn(db, learn))
        with_terms += _translate(g, sources, lambda db, learn=learn: _learn(db, learn, True))
    base = corpus_chrf(empty, refs)
    tm_score = corpus_chrf(tm_only, refs)
    terms_score = corpus_chrf(with_terms, refs)
    print(
        f"TM two-fold over {len(rows)} lines: empty TM chrF {base:.1f}; "
        f"half imported {tm_score:.1f} (gain {tm_score - base:+.1f}); "
        f"+ terms seen twice approved {terms_score:.1f} (gain {terms_score - base:+.1f})"
    )


def _learn(db: object, rows: list[Row], approve: bool = False) -> None:
    learn_pairs(db, [(r.english, r.japanese) for r in rows])  # type: ignore[arg-type]
    if approve:
        terms = [c.term for c in term_candidates(db, min_count=2)]  # type: ignore[arg-type]
        approve_terms(db, terms)  # type: ignore[arg-type]


def _translate(g: Glossary, sources: list[str], setup: Callable[[object], None]) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        db = store.open_db(Path(tmp) / "tm.db")
        setup(db)
        engine = RulesEngine(g, db=db)
        pipeline = Pipeline(db, engine, g, save=False)
        return [r.text for r in pipeline.translate(sources)]


def groups(entries: list[ExplainedChange]) -> list[tuple[list[str], str]]:
    """(English lines, editor's Japanese) per explanation group."""
    out: dict[int, tuple[list[str], str]] = {}
    for entry in entries:
        out.setdefault(entry.group, ([], entry.text))[0].append(clean(entry.source))
    return list(out.values())


def reference_post(engine: RulesEngine) -> bool:
    """The December 2011 post: chrF per explanation group and the TM round trip."""
    if not POST.exists():
        print(f"reference post: skipped, not found at {POST}")
        return True
    entries = [e for e in explained_changes(POST.read_text(encoding="utf-8")) if e.text]
    dev = groups(entries)
    refs = [ja for _, ja in dev]
    hyps = ["\n".join(engine.translate_line(line) for line in en) for en, _ in dev]
    floor = corpus_chrf(["\n".join(en) for en, _ in dev], refs)
    with tempfile.TemporaryDirectory() as tmp:
        db = store.open_db(Path(tmp) / "tm.db")
        import_post(db, POST)
        results = Pipeline(db, engine, engine.g, save=False).translate([e.source for e in entries])
        exact = sum(r.text == e.text for r, e in zip(results, entries, strict=True))
    print(
        f"reference post ({POST.name}, {len(entries)} links in {len(dev)} groups): "
        f"chrF {corpus_chrf(hyps, refs):.1f}  floor {floor:.1f}  "
        f"TM round trip {exact}/{len(entries)}"
    )
    return exact == len(entries)


def show(engine: RulesEngine, rows: list[Row], split: str, count: int) -> int:
    """Print dev lines with the engine's output for tuning."""
    if split != "dev":
        print("Error: --show only prints the dev split (the test split is for reporting)")
        return 2
    for row in [r for r in rows if r.split == "dev"][:count]:
        result = engine.translate_results([row.english])[0]
        mark = "?" if result.state == "needs_review" else " "
        print(f"{row.id} {mark} {row.english}\n      => {result.text}\n      == {row.japanese}")
    return 0


SAMPLE_SEED = 20261205


def sample(engine: RulesEngine, rows: list[Row], split: str, count: int) -> int:
    """Print `count` lines of a split drawn with a fixed seed as English | digest | reference."""
    part = [r for r in rows if r.split == split]
    if not part:
        print(f"Error: no {split!r} lines in {CORPUS}")
        return 2
    drawn = random.Random(SAMPLE_SEED).sample(part, min(count, len(part)))
    for row in sorted(drawn, key=lambda r: r.id):
        result = engine.translate_results([row.english])[0]
        mark = REVIEW_MARK if result.state == "needs_review" else ""
        print(f"{row.english} | {result.text}{mark} | {row.japanese}")
    return 0


def main(argv: list[str]) -> int:
    g = load_glossary()
    engine = RulesEngine(g)
    rows = load_corpus()
    if argv[:1] == ["--show"]:
        return show(
            engine, rows, argv[1] if len(argv) > 1 else "dev", int((argv[2:3] and argv[2]) or 1000)
        )
    if argv[:1] == ["--sample"]:
        split = argv[1] if len(argv) > 1 else "test"
        return sample(engine, rows, split, int((argv[2:3] and argv[2]) or 20))
    if not rows:
        print(f"corpus: skipped, not found at {CORPUS}")
    for split in ("dev", "test"):
        part = [r for r in rows if r.split == split]
        if part:
            split_figures(engine, part, split)
    if rows:
        two_fold(rows, g)
    return 0 if reference_post(engine) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
