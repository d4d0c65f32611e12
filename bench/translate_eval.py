"""Translation quality and speed: chrF of the rules engine against the editor's Japanese.

Development set: the December 2011 reference digest (../shared/reference). For each group of
change links the hypothesis is the rules translation of each link, joined by newlines, and the
reference is the editor's explanation under the group. The floor leaves the English untranslated.
Also checks that with the post imported into a TM every one of its lines comes back exactly.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chrf import corpus_chrf  # noqa: E402
from digest import store  # noqa: E402
from digest.posts import ExplainedChange, explained_changes  # noqa: E402
from digest.translate import Pipeline  # noqa: E402
from digest.translate.glossary import load_glossary  # noqa: E402
from digest.translate.lines import clean  # noqa: E402
from digest.translate.manage import import_post  # noqa: E402
from digest.translate.rules import RulesEngine  # noqa: E402
from digest.translate.tokens import missing_tokens  # noqa: E402

SHARED = ROOT.parent / "shared"
POST = SHARED / "reference" / "2011-12-02-monthly-digest-december.md"
CHANGELOGS = SHARED / "upstream" / "changelogs"


def groups(entries: list[ExplainedChange]) -> list[tuple[list[str], str]]:
    """(English lines, editor's Japanese) per explanation group."""
    out: dict[int, tuple[list[str], str]] = {}
    for entry in entries:
        out.setdefault(entry.group, ([], entry.text))[0].append(clean(entry.source))
    return list(out.values())


def changelog_lines() -> list[str]:
    """Every severity-tagged ChangeLog line in ../shared (for the speed figure)."""
    lines = []
    for path in sorted(CHANGELOGS.rglob("*")):
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                text = line.strip().lstrip("-+* ").strip()
                if text.split(":", 1)[0].lower() in {"high", "medium", "low"}:
                    lines.append(text)
    return lines


def main() -> int:
    if not POST.exists():
        print(f"skipped: reference post not found at {POST}")
        return 0
    entries = [e for e in explained_changes(POST.read_text(encoding="utf-8")) if e.text]
    dev = groups(entries)
    engine = RulesEngine(load_glossary())
    refs = [ja for _, ja in dev]
    hyps = ["\n".join(engine.translate_line(line) for line in en) for en, _ in dev]
    floor = ["\n".join(en) for en, _ in dev]
    rules_chrf = corpus_chrf(hyps, refs)
    floor_chrf = corpus_chrf(floor, refs)

    corpus = changelog_lines() or [e.source for e in entries]
    start = time.perf_counter()
    outputs = [engine.translate_line(line) for line in corpus]
    elapsed = time.perf_counter() - start
    lost = sum(
        1
        for line, out in zip(corpus, outputs, strict=True)
        if missing_tokens(engine.g.finder.find(line), out)
    )

    with tempfile.TemporaryDirectory() as tmp:
        db = store.open_db(Path(tmp) / "tm.db")
        import_post(db, POST)
        pipeline = Pipeline(db, engine, engine.g, save=False)
        results = pipeline.translate([e.source for e in entries])
        exact = sum(r.text == e.text for r, e in zip(results, entries, strict=True))

    print(f"dev set: {len(entries)} change links in {len(dev)} explanation groups ({POST.name})")
    print(f"chrF rules engine vs editor: {rules_chrf:.1f}")
    print(f"chrF English untranslated (floor): {floor_chrf:.1f}")
    print(f"ratio rules/floor: {rules_chrf / floor_chrf:.2f}x")
    print(f"speed: {len(corpus) / elapsed:.0f} lines/s over {len(corpus)} ChangeLog lines")
    print(f"protected tokens lost: {lost} of {len(corpus)} lines")
    print(f"TM round trip: {exact}/{len(entries)} reference lines come back exactly")
    return 0 if rules_chrf > floor_chrf and exact == len(entries) and not lost else 1


if __name__ == "__main__":
    raise SystemExit(main())
