"""Word-sense traps, confidence states, Markdown without entities and identifiers that survive."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.draft.model import DigestChange as Change
from digest.draft.render import escape_markdown, escape_prose
from digest.site.markup import Markdown
from digest.translate.glossary import load_glossary
from digest.translate.lines import protected_in
from digest.translate.markdown import REVIEW_MARK, from_markdown, to_markdown
from digest.translate.rules import RulesEngine
from digest.translate.tokens import missing_tokens

GLOSSARY = load_glossary()
ENGINE = RulesEngine(GLOSSARY)


def ja(line: str) -> str:
    return ENGINE.translate_line(line)


def test_close_to_is_nearness_not_the_verb_close():
    text = ja("libs: Log if a TLS certificate is close to expiration.")
    assert "有効期限に近い場合" in text and "閉じ" not in text
    assert "閉じる" in ja("lrmd: close the logd fd too when executing agents")


def test_completion_sense_follows_the_line():
    assert "完了" in ja("various: Correctly detect completion of systemd start/stop actions")
    assert "補完" not in ja("various: Correctly detect completion of systemd start/stop actions")
    assert "補完" in ja("Fix: crmsh.spec.in: enable completion of crm command(bsc#1166329)")
    assert "補完" in ja("shell: improve tab completion")


def test_release_of_a_version_is_a_release_not_freeing():
    assert ja("release 1.1.0") == "1.1.0をリリースしました。"
    assert ja("stable release 1.0.11") == "安定版1.0.11をリリースしました。"
    assert "解放" in ja("Fix: release the lock on error")


def test_failed_follows_the_noun_it_modifies():
    assert "失敗したstart operation" in ja("Fix check for failed start operations")
    assert "故障したノード" in ja("Fix fencing of failed nodes")
    assert "互換性" in ja("Fix version check when applying compatability handling")


def test_a_condition_without_its_verb_is_unsure_unless_a_reduced_passive():
    assert ENGINE.translate_draft("Fix crash if the option specified").text == (
        "オプションが指定された場合のクラッシュを修正しました。"
    )
    assert ENGINE.translate_draft("hb_report: get blackbox records if available").state == (
        "needs_review"
    )


def test_unit_tests_are_a_noun_not_testing_units():
    text = ja("Unit tests")
    assert "ユニットテスト" in text and "単位" not in text


def test_flipping_is_the_defect_being_fixed():
    text = ja('fix drbd usage-count option flipping to "yes"')
    assert text == 'drbd usage-countオプションが"yes"に切り替わる問題を修正しました。'


def test_more_hosts_is_a_quantity_not_an_adverb():
    text = ja("allow more hosts in -h option")
    assert "より多くのホスト" in text and "-h" in text and "（" not in text


def test_operators_are_not_split():
    text = ja("build: Fix default pacemaker-remoted path on Fedora >= 42")
    assert ">= 42" in text and "> =" not in text
    assert "<= 3" in ja("Build: require foo <= 3")


def test_sure_lines_are_machine_and_unsure_ones_need_review():
    sure = ENGINE.translate_draft("High: PE: Fix memory leak in LogActions")
    assert (sure.state, sure.text) == (
        "machine",
        "PEで、LogActions内のメモリリークを修正しました。",
    )
    unknown = ENGINE.translate_draft("crmd: Fix the frobnication of widgets")
    assert unknown.state == "needs_review"


def test_an_unparsed_line_says_only_what_is_certain():
    draft = ENGINE.translate_draft("Medium: crmd: If we get a join offer, better zap the thing")
    assert (draft.state, draft.text) == ("needs_review", "crmdの変更です。")
    draft = ENGINE.translate_draft("Bug 1822 - tools: Do not try an zap if not all of it is x")
    assert (draft.state, draft.text) == ("needs_review", "ツールの変更です。(1822)")


def test_an_unparsed_line_keeps_its_kind_and_identifiers_not_its_english():
    line = "fence_rhevm: Update URL to RHEV-M REST API, see entry->uuid ever"
    draft = ENGINE.translate_draft(line)
    assert draft.state == "needs_review"
    assert draft.text == "fence_rhevmで、URL、RHEV、REST API、entry->uuidに関する更新です。"
    draft = ENGINE.translate_draft("Fix on mouse over not working all the time")
    assert (draft.state, draft.text) == ("needs_review", "修正です。")
    draft = ENGINE.translate_draft("Deprecated the of crm_resource --cleanup, if the when x >= 19")
    assert draft.text == "crm_resource --cleanup、>= 19に関する非推奨化です。"
    assert ja("Fix frob major()/minor() zap on the when") == "major()/minor()に関する修正です。"
    assert ja("Removed the of crm_resource --cleanup, if the when") == (
        "crm_resource --cleanupに関する削除です。"
    )


MARKDOWN = Markdown("")


def visible(markdown: str) -> str:
    rendered = MARKDOWN.render(markdown).html
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@pytest.mark.parametrize(
    "text",
    [
        "ビルドで、Fedora >= 42でデフォルトのパスを修正しました。",
        "x < 3 かつ y > 2 の場合",
        "a && b、<div>タグ、&amp;と&#91;",
        "*強調*ではなく_下線_とcrm_monとfoo_bar_baz",
        "[リンク](http://example.com)ではない",
        "> 行頭の記号",
        "# 見出しではない",
        r"バックスラッシュ \ と `code`",
    ],
)
def test_prose_is_shown_as_typed_without_entities(text):
    markdown = escape_prose(text)
    assert not re.search(r"&(?:#\d+|[a-z]+);", markdown.replace("\\&", ""))
    assert visible(markdown) == text.replace("`code`", "code")
    assert from_markdown(markdown) == text


def test_operator_stays_whole_in_the_markdown_source():
    assert ">=" in escape_prose("Fedora >= 42") and "&gt;" not in escape_prose("Fedora >= 42")
    assert "&gt;" not in escape_markdown("Fix path on Fedora >= 42")
    assert visible(escape_markdown("Fix path on Fedora >= 42 & <b>x</b>")) == (
        "Fix path on Fedora >= 42 & <b>x</b>"
    )


def test_review_marker_is_visible_and_harvested_away():
    assert to_markdown("訳") + REVIEW_MARK == "訳（要確認）"
    assert from_markdown("訳（要確認）") == "訳"
    assert Change("id", "en", None, "訳", "needs_review").state == "needs_review"


WORDS = st.sampled_from(
    [
        *("fix", "add", "remove", "the", "a", "resource", "node", "when", "if", "not", "is"),
        *("close", "to", "of", "in", "for", "with", "more", "release", "completion", "unit"),
        *("tests", "flipping", "crash", "leak", "and", "or", "be", "stopped", "memory", "timeout"),
    ]
)
IDENTIFIERS = st.sampled_from(
    [
        "crm_mon",
        "--force",
        "pcmk__xe_id()",
        "/usr/lib/ocf",
        "CRM_OP_REPROBE",
        "1.1.0",
        ">=",
        "`crm_diff --stdin`",
        "bsc#1166329",
        "LogActions",
        "on-fail=restart",
        '"yes"',
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(WORDS, IDENTIFIERS), min_size=1, max_size=12),
    st.sampled_from(["", "PE: ", "High: crmd: ", "**scheduler:** ", "Low: tools: crm: "]),
)
def test_identifiers_survive(words, prefix):
    line = prefix + " ".join(words)
    draft = ENGINE.translate_draft(line)
    protected = protected_in(line, GLOSSARY.finder.find(line))
    assert not missing_tokens(protected, draft.text), (line, draft.text)
    assert draft.state in {"machine", "needs_review"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("stonith: external: check if PATH contains X_DIR", "X_DIRを含むかどうかをチェック"),
        ("Fix a typo if no existing attrd is found", "存在するattrdが見つからない場合"),
        ("hb_report: create cib.txt after sanitizing the CIB", "CIBを無害化した後に"),
        ("Medium: Shell: do not fiddle with cib when there is no cib", "cibが存在しない場合"),
        ("High: Tools: crm: regression tests", "ツールのcrmの回帰テスト"),
        ("Refactor: based: parse_opts() -> log_opts()", "parse_opts()をlog_opts()に変更しました。"),
        ("fencer: avoid use-after-free when fencing request times out", "タイムアウトする場合"),
        (
            "Make various log messages more user-friendly",
            "ログメッセージをより分かりやすくしました。",
        ),
        (
            "crmd: Do not allow the target_rc to be misused",
            "target_rcが誤用されないようにしました。",
        ),
    ],
)
def test_general_shapes(line, expected):
    assert expected in ja(line)


def test_a_negation_or_modality_that_cannot_be_rendered_needs_review():
    assert ENGINE.translate_draft("When checking X, we might be prepending").state == (
        "needs_review"
    )
    assert ENGINE.translate_draft("Only wait for DC if resources were stopped").state == (
        "needs_review"
    )


def test_several_sentences_are_parsed_part_by_part():
    text = ja("Move the resource templates - they are not documentation")
    assert text.startswith("リソーステンプレートを移動") and "「" not in text
    text = ja("fencing: rhbz#801355 - Abort transition on DC")
    assert text.endswith("(rhbz#801355)") and "「" not in text


def test_an_untouched_review_line_is_not_learned_as_an_edit(tmp_path):
    from digest import store
    from digest.translate import Pipeline
    from digest.translate.manage import learn_draft

    db = store.open_db(tmp_path / "digest.db")
    line = "crmd: Fix the frobnication of widgets when a*b < c"
    result = Pipeline(db, ENGINE, GLOSSARY).translate([line])[0]
    assert result.state == "needs_review"
    shown = escape_prose(result.text) + REVIEW_MARK
    draft = tmp_path / "draft.md"
    draft.write_text(
        f'<!-- digest:entry id=ab src="{line}" state=needs_review -->\n'
        f"[{escape_markdown(line)}](https://github.com/ClusterLabs/pacemaker/commit/abcdef12)\n"
        f"{shown}\n",
        encoding="utf-8",
    )
    summary = learn_draft(db, draft)
    assert (summary.entries, summary.learned, summary.unchanged) == (1, 0, 1)
    draft.write_text(draft.read_text(encoding="utf-8").replace(REVIEW_MARK, "。直しました"))
    assert learn_draft(db, draft).learned == 1


def test_member_access_is_an_identifier_kept_verbatim():
    text = ja("fence_rhevm: Update URL to RHEV-M REST API, see entry->uuid ever")
    assert "entry->uuid" in text and "REST API" in text
    assert "a->b" in ja("attrd - Make sure we only delete own entries from a->b")


def test_code_spans_stay_code_spans():
    text = ja("**tools:** fix `crm_resource` `--move` when lifetime was used with previous move")
    assert text.startswith("ツールで、") and "`crm_resource` `--move`" in text
    assert "**" not in text and "(" not in text
    assert "`--move`" in to_markdown("`--move`と*x*") and "\\*x\\*" in to_markdown("`a_b`と*x*")
    assert to_markdown("`a*_b`と_x") == "`a*_b`と\\_x"
    assert from_markdown(to_markdown("`a*_b`と_x")) == "`a*_b`と_x"


def test_can_and_support_for_read_as_the_editors_write_them():
    assert "実行できるように" in ja("shell: Add support for --version so that help2man can run")
    assert "フェンシングできない場合のクラッシュを修正" in ja(
        "Fix crash when the node cannot be fenced"
    )
    assert ja("hb_report: add support for corosync") == "hb_reportで、corosyncに対応しました。"


def test_headline_lines_with_a_past_participle():
    assert ja("Memory leak fixed") == "メモリリークを修正しました。"
    assert ja("crm_mon: legacy options removed") == "crm_monで、旧来のオプションを削除しました。"


def test_jira_style_tickets_stay_whole_and_go_last():
    text = ja("bootstrap: update the warning about legacy transports (jsc#PED-16433)")
    assert text.endswith("(jsc#PED-16433)") and "jsc # " not in text


def test_a_statement_of_fact_is_not_a_change_made():
    assert ja("cibconf: graph: resource templates are not resources") == (
        "cibconfのgraphで、リソーステンプレートはリソースではありません。"
    )
    assert ja("Move the resource templates - they are not documentation").endswith(
        "ドキュメントではありません。"
    )
