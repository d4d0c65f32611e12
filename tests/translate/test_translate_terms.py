"""Learning from the editors: aligned term candidates, `tm terms`, approved terms in the rules
engine, and sub-segment TM hits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest import store
from digest.cli import main
from digest.translate import Pipeline
from digest.translate.glossary import load_glossary
from digest.translate.memory import TranslationMemory
from digest.translate.rules import RulesEngine, component_lead_in
from digest.translate.terms import align, approve_terms, learn_pairs, term_candidates
from tests.helpers import TM_CONFIG

GLOSSARY = load_glossary()
PAIRS = [
    (
        "PE: Fix a frobnicator crash on startup",
        "PEで、起動時のフロブニケータのクラッシュを修正しました。",
    ),
    (
        "crmd: Remove the frobnicator from the loop",
        "crmdで、ループからフロブニケータを削除しました。",
    ),
    ("cib: Add a frobnicator option", "cibで、フロブニケータのオプションを追加しました。"),
    ("lrmd: Fix widget leak", "lrmdで、ウィジェットのリークを修正しました。"),
]


@pytest.fixture
def db(tmp_path):
    return store.open_db(tmp_path / "digest.db")


def test_align_finds_the_editors_word_for_an_unknown_term():
    found = {(term, ja) for term, ja, _, _ in align(PAIRS, GLOSSARY)}
    assert ("frobnicator", "フロブニケータ") in found
    assert ("widget", "ウィジェット") in found  # one unknown term, one unexplained chunk
    assert not any(term in {"fix", "crash", "leak"} for term, _ in found)


def test_align_learns_a_known_pairing_from_a_real_post_shape():
    pairs = [
        ("PE: Fix memory leak in foo_bar()", "PEで、foo_bar()のメモリリークを修正しました。"),
        ("crmd: Avoid failcount reset when the node rejoins", "crmdで、ノード再参加時に..."),
    ]
    terms = {t for t, _, _, _ in align(pairs, GLOSSARY)}
    assert "memory leak" not in terms  # the glossary already knows it: nothing to learn


def test_candidates_counts_examples_and_approval(db):
    assert learn_pairs(db, PAIRS, g=GLOSSARY) >= 2
    rows = {c.term: c for c in term_candidates(db)}
    frob = rows["frobnicator"]
    assert (frob.ja, frob.count, frob.state) == ("フロブニケータ", 3, "candidate")
    assert frob.example_source in {s for s, _ in PAIRS}
    before = RulesEngine(GLOSSARY, db=db).translate_draft("PE: Fix frobnicator timeout")
    assert "frobnicator" in before.text and before.state == "needs_review"
    assert approve_terms(db, ["Frobnicator"]) == 1
    after = RulesEngine(GLOSSARY, db=db).translate_draft("PE: Fix frobnicator timeout")
    assert after.text == "PEで、フロブニケータタイムアウトを修正しました。"
    assert after.state == "machine"


def test_subsegment_hit_swaps_identifiers_tickets_and_lead_in(db):
    tm = TranslationMemory(db, GLOSSARY.finder, lead_in=lambda c: component_lead_in(GLOSSARY, c))
    tm.learn(
        [
            (
                "PE: Ensure foo_bar() is called once (bnc#12)",
                "PEで、foo_bar()を一度だけ呼ぶよう修正しました(bnc#12)。",
            )
        ]
    )
    hit = tm.fuzzy("crmd: Ensure baz_qux() is called once (bnc#99)")
    assert hit is not None and (hit.origin, hit.state) == ("memory", "needs_review")
    assert hit.text == "crmdで、baz_qux()を一度だけ呼ぶよう修正しました(bnc#99)。"
    assert tm.fuzzy("crmd: Ensure baz_qux() and x_y() are called once") is None


def test_pipeline_uses_subsegment_hits(db):
    learn_pairs(db, [("PE: Fix leak in foo_bar()", "PEで、foo_bar()のリークを直しました。")])
    results = Pipeline(db, RulesEngine(GLOSSARY), GLOSSARY, save=False).translate(
        ["cib: Fix leak in cib_baz()"]
    )
    assert results[0].text == "cibで、cib_baz()のリークを直しました。"
    assert results[0].origin == "memory"


def run(tmp_path: Path, *args: str):
    config = tmp_path / "sources.yaml"
    config.write_text(TM_CONFIG)
    return CliRunner().invoke(main, ["--config", str(config), *args])


def test_tm_terms_cli_lists_approves_and_reports_bad_terms(tmp_path):
    table = tmp_path / "pairs.tsv"
    table.write_text("source\ttext\n" + "".join(f"{s}\t{t}\n" for s, t in PAIRS))
    imported = run(tmp_path, "tm", "import", str(table))
    assert imported.exit_code == 0, imported.output
    assert "term candidates" in imported.output
    listed = run(tmp_path, "tm", "terms")
    assert listed.exit_code == 0, listed.output
    assert "candidate" in listed.output and "frobnicator => フロブニケータ" in listed.output
    approved = run(tmp_path, "tm", "terms", "--approve", "frobnicator", "--format", "json")
    rows = json.loads(approved.output)
    assert {"term": "frobnicator", "state": "approved"}.items() <= rows[0].items()
    text = run(tmp_path, "translate", "--text", "PE: Fix frobnicator timeout")
    assert "フロブニケータ" in text.output
    bad = run(tmp_path, "tm", "terms", "--approve", "no-such-term")
    assert bad.exit_code == 1
    assert bad.output.startswith("Error: tm terms: no candidate for no-such-term")


def test_refresh_redoes_review_lines_once_a_term_is_approved(db):
    line = "PE: Fix frobnicator timeout"
    first = Pipeline(db, RulesEngine(GLOSSARY, db=db), GLOSSARY).translate([line])[0]
    assert first.state == "needs_review" and "frobnicator" in first.text
    learn_pairs(db, PAIRS, g=GLOSSARY)
    approve_terms(db, ["frobnicator"])
    kept = Pipeline(db, RulesEngine(GLOSSARY, db=db), GLOSSARY).translate([line])[0]
    assert kept.text == first.text  # stored text reused until asked to refresh
    redone = Pipeline(db, RulesEngine(GLOSSARY, db=db), GLOSSARY, refresh=True).translate([line])
    assert (redone[0].text, redone[0].state) == (
        "PEで、フロブニケータタイムアウトを修正しました。",
        "machine",
    )
