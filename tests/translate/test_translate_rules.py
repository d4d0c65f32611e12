"""The rules engine: protected tokens survive, the register of the reference digest."""

from __future__ import annotations

import re
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.translate import ja
from digest.translate.glossary import load_glossary
from digest.translate.lines import split_line
from digest.translate.rules import RulesEngine
from digest.translate.tokens import missing_tokens

GLOSSARY = load_glossary()
ENGINE = RulesEngine(GLOSSARY)


def changelog_1012(repo) -> list[str]:
    """The 40 High/Medium lines of Pacemaker 1.0.12 from the ChangeLog at its tag."""
    text = subprocess.run(
        ["git", "-C", str(repo), "show", "Pacemaker-1.0.12:ChangeLog"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    section = text.split("1.0.12-1\n", 1)[1].split("\n* ", 1)[0]
    return [line for line in section.splitlines() if re.match(r"(High|Medium):", line)]


def test_all_40_pacemaker_1_0_12_lines_keep_every_protected_token(shadow_repos):
    lines = changelog_1012(shadow_repos("pacemaker-1.0"))
    assert len(lines) == 40
    for line in lines:
        out = ENGINE.translate_line(line)
        assert not missing_tokens(GLOSSARY.finder.find(line.removesuffix(".")), out), (line, out)
        assert re.search(r"[\u3040-\u30ff]", out), out


@pytest.mark.parametrize(
    ("line", "tokens"),
    [
        ("cib: Call gnutls_bye() and shutdown() when x", ["cib", "gnutls_bye()", "shutdown()"]),
        ("Shell: implement -w,--wait option", ["-w,--wait"]),
        ("Bug lf#2587 - fix bnc#727295", ["lf#2587", "bnc#727295"]),
        ("use CibObjectSet.semantic_check() on /etc/ha.d", ["CibObjectSet.semantic_check()"]),
        (
            "Treat GNUTLS_E_UNEXPECTED_PACKET_LENGTH as normal",
            ["GNUTLS_E_UNEXPECTED_PACKET_LENGTH"],
        ),
        ('Indicate failures even if on-fail="ignore"', ['on-fail="ignore"']),
        ("Use pre-glib2-2.28 version of g_str_hash", ["pre-glib2-2.28", "g_str_hash"]),
        ("run crm_mon and attrd, not master/slave", ["crm_mon", "attrd"]),
    ],
)
def test_protected_token_detection(line, tokens):
    found = GLOSSARY.finder.find(line)
    assert all(token in found for token in tokens), found
    assert "master/slave" not in found


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Medium: Shell: repair template list command",
            "crm shellで、template listコマンドを修正しました。",
        ),
        (
            "High: PE: Only allocate master/slave resources once",
            "PEで、Master/Slaveリソースを一度だけ配置するようにしました。",
        ),
        (
            "crmd: Do not wait for actions that were pending on dead nodes",
            "crmdで、停止したノードでペンディング状態だったactionを待たないようにしました。",
        ),
        (
            "hb_report: improve destination directory handling (bnc#727295)",
            "hb_reportで、出力先ディレクトリ処理を改善しました。(bnc#727295)",
        ),
        (
            "add --cluster (and company) options to define clusters",
            "クラスタを定義するための--cluster (and company)オプションを追加しました。",
        ),
    ],
)
def test_register_of_the_reference_digest(line, expected):
    assert ENGINE.translate_line(line) == expected


def test_endings_follow_the_verb_pattern():
    assert ENGINE.translate_line("PE: Correctly determine the state").endswith("よう修正しました。")
    assert ENGINE.translate_line("Support timeouts with units").endswith("に対応しました。")
    assert ENGINE.translate_line("avoid pushing timeouts").endswith("ないようにしました。")
    assert "できるようになりました" in ENGINE.translate_line("Allow resources to migrate")
    assert ENGINE.translate_line("Call foo() when idle").endswith("ようにしました。")


def test_technical_terms_stay_english_everyday_nouns_katakana():
    out = ENGINE.translate_line("PE: Demote from Master does not clear resource operations")
    assert "Master" in out and "demote" in out and "operation" in out
    assert "リソース" in out


def test_split_line_prefixes():
    parts = split_line("Medium: ais: Bug lf#2587 - Prevent memory leak in error path")
    assert (parts.severity, parts.components, parts.tickets) == ("Medium", ("ais",), ("lf#2587",))
    assert parts.body == "Prevent memory leak in error path"
    assert split_line("stonith: external/ipmi: add x").components == ("stonith", "external/ipmi")


@pytest.mark.parametrize(
    ("verb", "form", "ichidan", "expected"),
    [
        ("修正する", "neg", False, "修正しない"),
        ("待つ", "neg", False, "待たない"),
        ("待つ", "pot", False, "待てる"),
        ("呼び出す", "polite", False, "呼び出しました"),
        ("試みる", "vol", True, "試みよう"),
        ("使う", "past", False, "使った"),
    ],
)
def test_conjugation(verb, form, ichidan, expected):
    assert ja.conjugate(verb, form, ichidan=ichidan) == expected


IDENT = st.one_of(
    st.from_regex(r"[a-z]{2,8}_[a-z]{2,8}\(\)", fullmatch=True),
    st.from_regex(r"--[a-z]{2,8}(-[a-z]{2,6})?", fullmatch=True),
    st.from_regex(r"/[a-z]{2,6}/[a-z0-9.]{2,8}", fullmatch=True),
    st.from_regex(r"[A-Z][a-z]{2,5}[A-Z][a-z]{2,6}", fullmatch=True),
    st.from_regex(r"[A-Z]{2,6}_[A-Z]{2,8}", fullmatch=True),
    st.from_regex(r"\"[a-z]{2,6}( [a-z]{2,6})?\"", fullmatch=True),
    st.from_regex(r"[0-9]\.[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True),
    st.from_regex(r"(lf|bnc|rhbz|cl)#[0-9]{3,6}", fullmatch=True),
    st.sampled_from(["crm_mon", "crmd", "attrd", "cibadmin", "hb_report", "-w", "-L"]),
)
WORD = st.sampled_from(
    [
        "fix",
        "add",
        "remove",
        "ensure",
        "prevent",
        "avoid",
        "allow",
        "support",
        "use",
        "correctly",
        "do",
        "not",
        "the",
        "a",
        "of",
        "for",
        "in",
        "on",
        "when",
        "with",
        "resource",
        "node",
        "option",
        "parameter",
        "operation",
        "Master",
        "group",
        "role",
        "failed",
        "dead",
        "running",
        "and",
        "or",
        "to",
        "from",
        "after",
        "before",
        "is",
        "are",
        "was",
        "be",
        "cancel",
        "timer",
        "leak",
        "memory",
        "error",
        "path",
    ]
)
PIECES = st.lists(st.one_of(WORD, IDENT.map(lambda t: ("id", t))), min_size=1, max_size=14)


@settings(max_examples=300, deadline=None)
@given(
    severity=st.sampled_from(["", "High: ", "Medium: ", "Low: "]),
    component=st.sampled_from(["", "PE: ", "crmd: ", "Shell: ", "stonith: external/ipmi: "]),
    pieces=PIECES,
)
def test_property_generated_lines_keep_identifiers(severity, component, pieces):
    idents = [p[1] for p in pieces if isinstance(p, tuple)]
    body = " ".join(p[1] if isinstance(p, tuple) else p for p in pieces)
    if isinstance(pieces[-1], tuple):  # a period ending the line ends the sentence
        idents[-1] = idents[-1].removesuffix(".")
    line = f"{severity}{component}{body}"
    out = ENGINE.translate_line(line)
    assert not missing_tokens(idents, out), (line, out)
    assert not missing_tokens(GLOSSARY.finder.find(line.removesuffix(".")), out), (line, out)


# -- the 2026-12 round: each construction, one line and its exact Japanese --------------------

ROUND_2026_12 = [
    # fixing an action names the action
    ("Fix displaying fencer metadata", "fencerメタデータを表示する際の不具合を修正しました。"),
    ("fix getting PIDs of squid processes",
     "squidプロセスのPIDsを取得する際の不具合を修正しました。"),
    ("Fix a crash displaying fencer metadata",
     "fencerメタデータを表示する際のクラッシュを修正しました。"),
    ("fix setting the mode", "モードを設定する際の不具合を修正しました。"),
    # allowing or stopping an action names the action
    ("Allow specifying a timeout", "タイムアウトを指定できるようになりました。"),
    ("stop inserting comments as values", "値としてコメントを挿入しないようにしました。"),
    ("skip checking the status of stopped resources",
     "停止したリソースのステータスをチェックしないようにしました。"),
    ("crm_mon now supports showing fencing action failures and history",
     "crm_monがfencing action故障と履歴を表示できるようになりました。"),
    # a new state and possessives
    ("create_reply() is now const", "create_reply()がconstになりました。"),
    ("Default cibadmin command is now --query",
     "デフォルトのcibadminコマンドが--queryになりました。"),
    ("bundles now support all constraint types",
     "bundleがすべてのconstraint型に対応するようになりました。"),
    ("fix the nodes' names", "ノードの名前を修正しました。"),
    ("crm_ipc_send()'s message argument is now const",
     "crm_ipc_send()のメッセージ引数がconstになりました。"),
    # making a thing const or static
    ("make node argument to custom_action() const",
     "custom_action()へのノード引数をconstにしました。"),
    ("make stonith_level_kind() static", "stonith_level_kind()をstaticにしました。"),
    # allow to and delay take the action
    ("allow to override genl rcvbuf size", "genl rcvbufサイズを上書きできるようになりました。"),
    ("Delay creating an xmlNode",
     "xmlNodeを作成するのを遅延させるようにしました。"),
    # with follows the noun it modifies
    ("Fix colocation with unmanaged resources",
     "unmanagedリソースとのcolocationを修正しました。"),
    ("improve compatibility with Python 3", "Python 3との互換性を改善しました。"),
    ("Fix problems with colocations", "colocationの問題を修正しました。"),
    ("node with attributes", "属性を持つノード"),
    # using is how after a verb and which after a plural noun
    ("Fence using all required devices",
     "すべての必須のデバイスを使用してフェンシングするようにしました。"),
    ("support systems using IPv6", "IPv6を使用するシステムに対応しました。"),
    ("stop using crm_resource", "crm_resourceを使用しないようにしました。"),
    # pacemaker refactoring vocabulary
    ("Low: controller: NULL-check lrm_state before dereferencing it",
     "コントローラで、それを参照外しする前にlrm_stateをNULLチェックしました。"),
    ("Refactor: controller: best practices for handling fencing notifications",
     "コントローラのfencing通知を処理するためのベストプラクティス"),
    ("Log: scheduler: functionize getting a loggable node name",
     "Logのスケジューラで、loggableノード名前を取得する処理を関数化しました。"),
    # crmsh should lines and places
    ("bootstrap: should pass SSH_AUTH_SOCK when swapping keys",
     "bootstrapで、キーを交換する際にSSH_AUTH_SOCKを渡すようにしました。"),
    ("Call SBDUtils.verify_sbd_device in multiple places",
     "SBDUtils.verify_sbd_deviceを複数の箇所で呼び出すようにしました。"),
    ("Fix NULL dereference in crm_resource.c",
     "crm_resource.c内のNULL参照外しを修正しました。"),
    # a document title and components with a comma lead the line
    ("Doc: Pacemaker Explained: fix typo",
     "ドキュメントのPacemaker Explainedで、タイプミスを修正しました。"),
    ("Refactor: based, libcib: Drop F_CIB_CALLBACK_TOKEN",
     "based、libcibで、F_CIB_CALLBACK_TOKENを削除しました。"),
    # an adverbial phrase of several words modifies the verb
    ("Filesystem: signal many processes in parallel",
     "Filesystemで、多数のプロセスを並列で通知するようにしました。"),
    # to after the object of drop belongs to the object
    ("drop redundant argument to fsa_cib_update()",
     "fsa_cib_update()への冗長な引数を削除しました。"),
    # when unable to do something
    ("log an error if unable to connect to the CIB",
     "CIBに接続できない場合はエラーをログ出力するようにしました。"),
    # a word in a code span is a name
    ("**CIB:** drop support for deprecated `master` resources",
     "CIBで、非推奨の`master`リソースのサポートを削除しました。"),
    # memory error vocabulary
    ("Drop redundant get_meta_attributes() calls",
     "冗長なget_meta_attributes()呼び出しを削除しました。"),
    ("avoid use-after-free during shutdown", "シャットダウン中に解放後の使用を回避しました。"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "expected"), ROUND_2026_12)
def test_the_2026_12_round_renders_each_construction(line, expected):
    assert ENGINE.translate_line(line) == expected


# -- regression notes, "Fix V-ing X", "a crash V-ing X" ---------------------------------------


@pytest.mark.parametrize(
    ("line", "body", "version"),
    [
        ("order actions (regression introduced in 1.1.15)", "order actions", "1.1.15"),
        ("libcib: Fix setting X *(regression introduced in 2.1.6)*", "Fix setting X", "2.1.6"),
        ("restore ability to upgrade (regression since 2.0.0)", "restore ability to upgrade",
         "2.0.0"),
        ("fix attrd (regression in 2.1.3-rc1) (bnc#123456)", "fix attrd", "2.1.3-rc1"),
        ("add regression tests for 1.1.15", "add regression tests for 1.1.15", None),
    ],
)  # fmt: skip
def test_a_trailing_regression_note_is_split_off(line, body, version):
    parts = split_line(line)
    assert (parts.body, parts.regression) == (body, version)


def test_the_regression_note_follows_the_sentence_and_keeps_its_version():
    line = "avoid crash when logging ignored failure timeout (regression in 1.1.17)"
    text = ENGINE.translate_line(line)
    assert text.endswith("。(1.1.17でのデグレード)"), text
    assert "regression" not in text


def test_the_regression_note_keeps_tm_keys_apart():
    from digest.translate.lines import tm_key

    assert tm_key("fix x (regression in 1.1.17)") != tm_key("fix x")
    assert tm_key("fix x (regression in 1.1.17)") == "fix x (regression in 1.1.17)"


@pytest.mark.parametrize(
    "line",
    ["Fix existing resources", "fix failing tests", "fix running resources", "Fix parsing of X"],
)
def test_an_ing_word_describing_a_noun_is_not_read_as_the_action(line):
    assert "際の不具合" not in ENGINE.translate_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "crm_master did not work without explicit --lifetime",
        "crm_resource -C could fail to clean up all failures in one run",
        "support setting attributes in resource sets",
    ],
)
def test_a_described_defect_or_a_verbatim_gerund_is_not_machine_text(line):
    assert ENGINE.translate_draft(line).state == "needs_review"


def test_components_joined_by_commas_lead_the_line_side_by_side():
    line = "Refactor: libpacemaker,libcrmcommon: move pcmk__new_logger()"
    assert split_line(line).components == ("libpacemaker,libcrmcommon",)
    text = ENGINE.translate_line(line)
    assert text == "libpacemaker、libcrmcommonで、pcmk__new_logger()を移動しました。"


def test_not_stopping_an_action_is_said_as_it_is_and_marked_for_review():
    draft = ENGINE.translate_draft("Don't stop monitoring resources")
    assert (draft.text, draft.state) == (
        "リソースを監視するのを停止しないようにしました。",
        "needs_review",
    )


def test_a_contraction_is_not_a_possessive():
    assert "それの" not in ENGINE.translate_line("don't fence old DC if it's shutting down")


def test_a_backport_branch_tag_is_not_repeated_in_english():
    text = ENGINE.translate_line("[crmsh-4.6] Improve cluster remove (#1547)")
    assert "crmsh-4.6" not in text and text.endswith("(#1547)")


def test_a_bracket_tag_naming_a_component_leads_the_line_and_keeps_its_tm_key():
    from digest.translate.lines import tm_key

    assert ENGINE.translate_line("[MailTo] install mailx package").startswith("MailToで、")
    assert tm_key("[MailTo] install mailx package") == "install mailx package"


def test_a_verb_takes_the_sense_its_object_asks_for():
    error = ENGINE.translate_line("do not raise an error when no ssh key is available")
    assert error == "sshキーが利用可能ではない場合はエラーを発生させないようにしました。"
    assert ENGINE.translate_line("raise the default timeout to 30s").endswith(
        "30sに引き上げました。"
    )


def test_an_unknown_word_before_a_classifier_is_a_name_unless_shaped_like_english():
    assert ENGINE.translate_draft("remove unused colonptr variable").state == "machine"
    assert ENGINE.translate_draft("Handle incomplete Option argument").state == "needs_review"
    assert ENGINE.translate_draft("modularize attribute failure handling").state == "needs_review"


def test_an_xml_element_is_an_identifier():
    assert GLOSSARY.finder.find("Deprecate <failed> element") == ["<failed>"]
    text = ENGINE.translate_line("Update the default value of <heartbeat_dir> in the documentation")
    assert text == "ドキュメント内の<heartbeat_dir>のデフォルト値を更新しました。"


def test_x_does_not_work_describes_the_bug():
    assert ENGINE.translate_draft("crm help <topic> does not work").state == "needs_review"


def test_failing_to_do_something_and_raising_a_named_error():
    text = ENGINE.translate_line("should not raise ValueError when failing to open config file")
    assert text == "設定ファイルを開くのに失敗する際にValueErrorを発生させないようにしました。"
    assert ENGINE.translate_draft("fail to start").state == "needs_review"


def test_a_period_typed_inside_a_final_code_span_ends_the_sentence():
    draft = ENGINE.translate_draft("**libpacemaker:** Fix a segfault in `order_actions_after.`")
    assert (
        draft.text
        == "libpacemakerで、`order_actions_after`内のセグメンテーション違反を修正しました。"
    )
