"""Translation memory: keys, store upserts, fuzzy hits, the pipeline, posts and drafts."""

from __future__ import annotations

import pytest

from digest import store
from digest.errors import ParseError
from digest.posts import explained_changes
from digest.translate import Pipeline
from digest.translate.glossary import load_glossary
from digest.translate.lines import tm_key
from digest.translate.manage import export_table, import_post, import_table, learn_draft
from digest.translate.memory import TranslationMemory
from digest.translate.rules import RulesEngine
from tests.conftest import SHARED, require_shared
from tests.helpers import FIXTURES_DIR
from tests.helpers import tm_row as row

FIXTURES = FIXTURES_DIR / "translate"
POST = SHARED / "reference" / "2011-12-02-monthly-digest-december.md"
GLOSSARY = load_glossary()


@pytest.fixture
def db(tmp_path):
    return store.open_db(tmp_path / "digest.db")


def pipeline(db, **kwargs) -> Pipeline:
    return Pipeline(db, RulesEngine(GLOSSARY), GLOSSARY, **kwargs)


def test_normalise_handles_severity_component_typography_and_tickets():
    key = tm_key("Shell: implement -w,--wait option")
    assert tm_key("High: Shell: implement -w,—wait option") == key
    assert tm_key("  high:  shell:   implement -w,--wait option. ") == key
    assert tm_key("ais: Bug lf#2587 - Prevent leak") == tm_key("ais: Prevent leak (lf#2587)")
    assert tm_key("PE: fix x") != tm_key("crmd: fix x")


def test_save_is_idempotent_and_approved_rows_win(db):
    assert store.save_translations(db, [row("PE: fix x", "人の訳")]) == 1
    assert store.save_translations(db, [row("PE: fix x", "人の訳")]) == 0
    assert store.save_translations(db, [row("PE: fix x", "機械", "rules", "machine")]) == 0
    assert (
        store.get_translations(db, [tm_key("PE: fix x")], "ja")[tm_key("PE: fix x")]["text"]
        == "人の訳"
    )
    assert store.save_translations(db, [row("PE: fix x", "直した訳")]) == 1


def test_fts_finds_japanese_and_english(db):
    store.save_translations(db, [row("PE: fix colocation", "colocationの制約を修正しました")])
    assert store.search_translations(db, "制約を修正")[0]["source"] == "PE: fix colocation"
    assert store.search_translations(db, "colocation")


def test_pipeline_stores_machine_results_and_reuses_them(db):
    first = pipeline(db).translate(["High: PE: Fix memory leak in error path"])
    assert (first[0].origin, first[0].state) == ("rules", "machine")
    again = pipeline(db)
    assert again.translate(["PE: Fix memory leak in error path"]) == [
        first[0].__class__("PE: Fix memory leak in error path", first[0].text, "rules", "machine")
    ]
    assert again.counts == {"stored": 1}


def test_fuzzy_hit_is_marked_for_review_and_needs_same_identifiers(db):
    store.save_translations(db, [row("PE: Ensure role is preserved for unmanaged resources", "訳")])
    found = pipeline(db).translate(["PE: Ensure role is preserved for unmanaged resource"])
    assert (found[0].text, found[0].origin, found[0].state) == ("訳", "memory", "needs_review")
    store.save_translations(db, [row("PE: call foo_bar() when x is stopped", "訳2")])
    tm = TranslationMemory(db, GLOSSARY.finder, threshold=80)
    assert tm.fuzzy("PE: call foo_baz() when x is stopped") is None
    strict = pipeline(db, threshold=99.5).translate(["PE: Ensure role is kept for resources"])
    assert strict[0].origin == "rules"


def test_reference_post_parse():
    require_shared()
    entries = list(explained_changes(POST.read_text(encoding="utf-8")))
    assert len(entries) == 27
    assert len({e.group for e in entries}) == 24
    wait = next(e for e in entries if "Do not wait" in e.source)
    assert wait.source == "crmd: Do not wait for actions that were pending on dead nodes"
    assert wait.text.startswith("対向ノードが停止した場合")
    move = next(e for e in entries if e.source.startswith("PE: Move master"))
    assert "コノ動作" not in move.text and move.text.endswith("できるようになりました。")


def test_reference_post_lines_come_back_exactly_from_the_tm(db):
    require_shared()
    summary = import_post(db, POST)
    assert (summary.entries, summary.learned) == (27, 27)
    assert import_post(db, POST).learned == 0
    entries = list(explained_changes(POST.read_text(encoding="utf-8")))
    results = pipeline(db).translate([e.source for e in entries])
    assert [r.text for r in results] == [e.text for e in entries]
    assert {(r.origin, r.state) for r in results} == {("human", "approved")}
    high = pipeline(db).translate(
        ["High: Shell: implement -w,--wait option to wait for the transition to finish"]
    )
    assert high[0].text.startswith("crm shellにwaitオプションが追加されました")


def test_draft_parse_reads_hidden_ids_and_sources():
    entries = list(explained_changes((FIXTURES / "draft.md").read_text(encoding="utf-8")))
    assert [e.entry_id for e in entries] == ["e1", "e2", "e3"]
    assert entries[0].source == "High: PE: Ensure role is preserved for unmanaged resources"
    assert entries[1].state == "approved"
    assert entries[2].text.startswith("crmdで、")


def test_learn_draft_takes_corrections_and_approvals(db):
    lines = [
        "High: PE: Ensure role is preserved for unmanaged resources",
        "High: Shell: repair template list command",
        "High: crmd: Cancel timers for actions that were pending on dead nodes",
    ]
    pipeline(db).translate(lines)
    summary = learn_draft(db, FIXTURES / "draft.md")
    assert (summary.learned, summary.approved, summary.unchanged) == (1, 1, 1)
    rows = store.get_translations(db, [tm_key(x) for x in lines], "ja")
    role, shell, timers = (rows[tm_key(x)] for x in lines)
    assert (role["origin"], role["state"]) == ("human", "approved")
    assert role["text"] == "unmanaged状態のリソースでもroleが保持されるよう修正しました。"
    assert (shell["origin"], shell["state"]) == ("rules", "approved")
    assert timers["state"] == "machine"
    assert learn_draft(db, FIXTURES / "draft.md").learned == 0


@pytest.mark.parametrize("suffix", [".tsv", ".jsonl"])
def test_export_import_round_trip(db, tmp_path, suffix):
    store.save_translations(
        db, [row("PE: a b", "一\t行目\n二行目"), row("crmd: x", "訳", "rules", "machine")]
    )
    path = tmp_path / f"tm{suffix}"
    assert export_table(db, path) == 2
    other = store.open_db(tmp_path / "other.db")
    assert import_table(other, path) == 2
    assert list(store.iter_translations(other)) == [
        {**r, "updated_at": r2["updated_at"]}
        for r, r2 in zip(store.iter_translations(db), store.iter_translations(other), strict=True)
    ]


def test_import_table_errors_name_file_and_line(db, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"source": "x", "text": "y"}\n{"source": "x", "text": "y", "state": "ok"}\n')
    with pytest.raises(ParseError, match=r"bad.jsonl:2: state 'ok' must be one of"):
        import_table(db, bad)
    with pytest.raises(ParseError, match="unknown table format"):
        import_table(db, tmp_path / "tm.csv")
