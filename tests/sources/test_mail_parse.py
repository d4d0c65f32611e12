"""The pure mbox parser: separators, charsets, headers, ids, dates, damage, threads, archives."""

from __future__ import annotations

import gzip
from datetime import date

from digest.sources import mail
from digest.sources.mail import (
    decompress,
    detect_decode,
    hyperkitty_archives,
    hyperkitty_message_url,
    parse_mbox,
    pipermail_archives,
    thread_ids,
)
from tests.fixture_server import mbox, message
from tests.helpers import FIXTURES_DIR

FIXTURES = FIXTURES_DIR / "mail"


def parse(data: bytes) -> tuple[list, list[str]]:
    problems: list[str] = []
    return list(parse_mbox(data, name="test", problems=problems)), problems


def test_pipermail_fixture_is_read_whole():
    messages, problems = parse((FIXTURES / "pacemaker-2011-November.txt").read_bytes())
    assert problems == []
    assert [m.subject for m in messages] == [
        "[Pacemaker] [Problem] The attrd does not update a value after a node rejoins",
        "[Pacemaker] [Problem] The attrd does not update a value after a node rejoins",
        "[Pacemaker] LCMC 1.1.0",
        "[Pacemaker] Pacemaker 1.0.12 released",
        "[Pacemaker] Re: Pacemaker 1.0.12 released",
        "[Pacemaker] Re: Pacemaker 1.0.12 released",
    ]
    release = messages[3]
    assert release.sender == "Andrew Beekhof <andrew@beekhof.net>"
    assert release.date == "2011-11-23T10:35:42+00:00"
    assert release.message_id == "<CAEDLWG3Lrq4n2dXoGm3pZyVd1bzqJgL0m2oH5sK9kU@mail.gmail.com>"


def test_body_from_lines_do_not_split_messages():
    body = (
        b"Forwarding:\n\n"
        b"From andrew at beekhof.net  Wed Nov 23 10:35:42 2011\n"
        b"> quoted text, not a header\n\n"
        b"From what I can see the PE never demotes it.\n"
        b"From here on it works.\n"
    )
    messages, problems = parse(mbox(message(body), message(b"second", msgid=b"<m2@x>")))
    assert problems == []
    assert len(messages) == 2
    assert "From andrew at beekhof.net  Wed Nov 23 10:35:42 2011\n> quoted" in messages[0].body
    assert messages[0].body.endswith("From here on it works.")


def test_separator_needs_a_date():
    data = mbox(message(b"one"), b"From nobody in particular\nSubject: not a separator\n")
    messages, _ = parse(data)
    assert len(messages) == 1
    assert messages[0].body.endswith("From nobody in particular\nSubject: not a separator")


def test_pipermail_obfuscated_addresses_are_restored():
    raw = message(
        b"body",
        sender=b"renayama19661014 at ybb.ne.jp (renayama19661014 at ybb.ne.jp)",
        extra=b"In-Reply-To: <abc at example.org>",
    )
    (msg,), _ = parse(raw)
    assert msg.sender == "renayama19661014 at ybb.ne.jp <renayama19661014@ybb.ne.jp>"
    assert msg.in_reply_to == "<abc@example.org>"


def test_rfc2047_subject_and_sender():
    raw = message(
        b"body",
        subject=b"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= Pacemaker =?utf-8?q?M=C3=BCnchen?=",
        sender=b"=?utf-8?q?Dejan_Muhamedagi=C4=87?= <dejan@suse.de>",
    )
    (msg,), _ = parse(raw)
    assert msg.subject == "テスト Pacemaker München"
    assert msg.sender == "Dejan Muhamedagić <dejan@suse.de>"


def test_iso_2022_jp_body_declared():
    text = "フェイルオーバが発生しません。設定を確認してください。"
    raw = message(
        text.encode("iso2022_jp"),
        extra=b"MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-2022-JP\n"
        b"Content-Transfer-Encoding: 7bit",
    )
    (msg,), _ = parse(raw)
    assert msg.body == text


def test_iso_2022_jp_body_undeclared_like_pipermail():
    text = "ハートビートの設定について質問です。"
    (msg,), _ = parse(message(text.encode("iso2022_jp")))
    assert msg.body == text


def test_shift_jis_body_undeclared():
    text = "こんにちは。Pacemakerの設定について質問があります。"
    (msg,), _ = parse(message(text.encode("shift_jis")))
    assert msg.body == text


def test_shift_jis_body_declared_with_nec_characters():
    text = "①リソースの起動順序について"
    raw = message(text.encode("cp932"), extra=b"Content-Type: text/plain; charset=Shift_JIS")
    (msg,), _ = parse(raw)
    assert msg.body == text


def test_undeclared_latin1_body():
    text = "Grüße aus München, the café is naïve"
    (msg,), _ = parse(message(text.encode("latin-1")))
    assert msg.body == text


def test_utf8_mislabelled_as_ascii_is_still_read():
    text = "Dejan Muhamedagić wrote"
    raw = message(text.encode(), extra=b"Content-Type: text/plain; charset=us-ascii")
    (msg,), _ = parse(raw)
    assert msg.body == text


def test_missing_message_id_gets_stable_synthetic_id():
    raw = mbox(message(b"no id here", msgid=None))
    (first,), _ = parse(raw)
    (again,), _ = parse(raw)
    assert first.synthetic_id
    assert first.message_id == again.message_id
    assert first.message_id.endswith("@digest.invalid>")


def test_garbage_date_falls_back_to_from_line():
    (msg,), _ = parse(message(b"x", date=b"yesterday at tea time"))
    assert msg.date == "2011-11-23T10:35:42+00:00"


def test_implausible_date_falls_back_to_from_line():
    (msg,), _ = parse(message(b"x", date=b"Thu, 01 Jan 1970 00:00:00 +0000"))
    assert msg.date == "2011-11-23T10:35:42+00:00"


def test_date_is_normalised_to_utc():
    (msg,), _ = parse(message(b"x", date=b"Tue, 01 Nov 2011 08:58:40 +0900"))
    assert msg.date == "2011-10-31T23:58:40+00:00"


def test_multipart_keeps_text_parts_and_drops_attachments():
    raw = (
        b"From dejan@suse.de Mon Nov 28 20:26:37 2011\n"
        b"From: Dejan <dejan@suse.de>\nSubject: report\nMessage-ID: <mp@x>\n"
        b"Date: Mon, 28 Nov 2011 21:26:37 +0100\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="BOUND"\n\n'
        b"--BOUND\nContent-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: quoted-printable\n\nGr=FC=DFe\n"
        b"--BOUND\nContent-Type: text/plain; charset=utf-8\n"
        b'Content-Disposition: attachment; filename="hb_report.txt"\n\nsecret log\n'
        b"--BOUND\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
        b"AAECAw==\n--BOUND--\n"
    )
    (msg,), _ = parse(raw)
    assert msg.body == "Grüße"


def test_html_only_mail_is_reduced_to_text():
    raw = message(
        b"<html><body><p>Use <b>crm_mon -1</b> &amp; check</p></body></html>",
        extra=b"Content-Type: text/html; charset=utf-8",
    )
    (msg,), _ = parse(raw)
    assert msg.body == "Use crm_mon -1 & check"


def test_control_characters_are_cleaned():
    (msg,), _ = parse(message(b"bell\x07 nul\x00 esc\x1b[0m crlf\r\nend", subject=b"a\x01b"))
    assert msg.body == "bell nul esc[0m crlf\nend"
    assert msg.subject == "ab"


def test_text_before_first_separator_is_reported():
    messages, problems = parse(b"garbage line\n\n" + message(b"ok"))
    assert len(messages) == 1
    assert problems == ["test: 1 line(s) before the first 'From ' line ignored"]


def test_truncated_gzip_keeps_what_was_readable():
    data = (FIXTURES / "pacemaker-2011-November.txt").read_bytes()
    packed = gzip.compress(data)
    text, damage = decompress(packed[: len(packed) * 2 // 3])
    assert damage == "gzip stream is truncated"
    assert data.startswith(text)
    assert len(text) > len(data) // 3


def test_decompress_detects_gzip_by_content_not_name():
    data = b"From a@b Wed Nov 23 10:35:42 2011\n"
    assert decompress(gzip.compress(data)) == (data, None)
    assert decompress(data) == (data, None)
    assert decompress(gzip.compress(b"a") + gzip.compress(b"b")) == (b"ab", None)


def test_detect_decode_prefers_utf8_then_japanese_then_cp1252():
    assert detect_decode("Ωmega".encode()) == "Ωmega"
    assert detect_decode("設定の確認".encode("euc_jp")) == "設定の確認"
    assert detect_decode("“quoted”".encode("cp1252")) == "“quoted”"


def test_threads_follow_references_and_in_reply_to():
    data = mbox(
        message(b"root", msgid=b"<r@x>", date=b"Wed, 23 Nov 2011 10:00:00 +0000"),
        message(
            b"reply",
            msgid=b"<a@x>",
            date=b"Wed, 23 Nov 2011 11:00:00 +0000",
            extra=b"In-Reply-To: <r@x>",
        ),
        message(
            b"reply to reply",
            msgid=b"<b@x>",
            date=b"Wed, 23 Nov 2011 12:00:00 +0000",
            extra=b"In-Reply-To: <a@x>",
        ),
        message(
            b"late",
            msgid=b"<c@x>",
            date=b"Wed, 23 Nov 2011 13:00:00 +0000",
            extra=b"References: <old@x> <b@x>",
        ),
    )
    messages, _ = parse(data)
    assert thread_ids(messages, {}) == {
        "<r@x>": "<r@x>",
        "<a@x>": "<r@x>",
        "<b@x>": "<r@x>",
        "<c@x>": "<old@x>",
    }
    assert thread_ids(messages[1:2], {"<r@x>": "<older-root@x>"}) == {"<a@x>": "<older-root@x>"}


def test_pipermail_index_discovery():
    html = (FIXTURES / "pacemaker-index.html").read_text()
    base = "https://lists.clusterlabs.org/pipermail/pacemaker/"
    archives = pipermail_archives(html, base)
    assert [(a.month, a.url) for a in archives] == [
        ("2011-09", base + "2011-September.txt.gz"),
        ("2011-10", base + "2011-October.txt"),
        ("2011-11", base + "2011-November.txt.gz"),
    ]
    assert archives[2].page_url == base + "2011-November/date.html"


def test_pipermail_index_prefers_gzip_when_both_are_linked():
    html = '<a href="2011-May.txt">t</a> <a href="2011-May.txt.gz">g</a> <a href="2011-May.txt">'
    (archive,) = pipermail_archives(html, "http://h/l/")
    assert archive.url == "http://h/l/2011-May.txt.gz"


def test_hyperkitty_months_and_message_urls():
    url = "https://lists.example.org/hyperkitty/list/users@lists.clusterlabs.org/"
    archives = hyperkitty_archives(url, date(2011, 11, 1), date(2012, 1, 15))
    assert [a.month for a in archives] == ["2011-11", "2011-12", "2012-01"]
    assert archives[1].url == url + "export/users@lists.clusterlabs.org.mbox.gz"
    assert dict(archives[1].params) == {"start": "2011-12-01", "end": "2012-01-01"}
    assert hyperkitty_message_url(url, "<20111128202637.GA18734@walrus.homenet>") == (
        url
        + "message/"
        + mail.base64.b32encode(
            mail.hashlib.sha1(b"20111128202637.GA18734@walrus.homenet").digest()
        ).decode()
        + "/"
    )


def test_local_mbox_is_streamed(tmp_path):
    problems: list[str] = []
    path = FIXTURES / "linux-ha-dev-2011-11.mbox"
    messages = list(mail.read_mbox(path, name="dev", problems=problems))
    assert problems == []
    assert [m.sender for m in messages] == [
        "Dejan Muhamedagic <dejan@suse.de>",
        "Lars Ellenberg <lars.ellenberg@linbit.com>",
    ]
    assert messages[0].subject == (
        '[Linux-ha-dev] [ANNOUNCE] Reusable Cluster Components ("glue") 1.0.9'
    )
    assert "Grüße an alle." in messages[1].body
    packed = tmp_path / "dev.mbox.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert list(mail.read_mbox(packed, name="dev", problems=problems)) == messages


def test_corrupt_gzip_is_reported_and_keeps_what_came_before():
    data = (FIXTURES / "pacemaker-2011-November.txt").read_bytes()
    packed = bytearray(gzip.compress(data))
    packed[-8:-4] = b"\x00\x00\x00\x00"  # wrong CRC: every byte decoded, the check fails
    text, damage = decompress(bytes(packed))
    assert damage == "corrupt gzip data (Error -3 while decompressing data: incorrect data check)"
    assert text == data
    packed = bytearray(gzip.compress(data))
    middle = len(packed) // 2
    packed[middle : middle + 40] = b"\xff" * 40  # deflate notices such damage late, if at all
    text, damage = decompress(bytes(packed))
    assert damage is not None and damage.startswith("corrupt gzip data")
    assert text[:1000] == data[:1000]
