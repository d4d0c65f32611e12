"""Mailing-list archives: a robust mbox parser, pipermail/HyperKitty archive discovery, fetch.

`parse_mbox` is pure: bytes (or lines) in, `Message` records out, with every message it could
not read reported in `problems`. A message starts only at a `From ` line that carries a date and
is followed by a header line, so body lines that begin with "From " never split a message.
Bodies are decoded with their declared charset when it works, else detected (UTF-8, then
Japanese ISO-2022-JP / Shift_JIS / EUC-JP when the text really contains kana, else cp1252).
"""

from __future__ import annotations

import base64
import calendar
import codecs
import email
import email.message
import gzip
import hashlib
import html
import io
import re
import zlib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from email.header import decode_header
from email.utils import parseaddr, parsedate_tz
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from digest.models import Message
from digest.sources.http import HttpClient, Response, Validators

MONTHS = tuple(calendar.month_name)[1:]
_MONTH_NUMBER = {name: i for i, name in enumerate(MONTHS, start=1)}
_DAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MON = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_FROM_LINE = re.compile(
    rb"^From (?P<who>.*?) +(?P<date>" + _DAY + rb",? +" + _MON
    + rb" +\d{1,2} +\d{1,2}:\d{2}(?::\d{2})?(?: +(?:[A-Z]{3,5}|[+-]\d{4}))? +\d{4})"
    rb"(?: +[+-]\d{4})?\s*$"
)  # fmt: skip
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_MSGID = re.compile(r"<[^<>\s]+>")
_PIPERMAIL_AT = re.compile(r"^\s*([^\s@<>()]+) at ([^\s@<>()]+\.[^\s<>()]+)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_KANA = re.compile(r"[\u3041-\u30ff]")
_SURROGATE = re.compile(r"[\udc80-\udcff]")
_TAG = re.compile(r"<[^>]*>")
_ARCHIVE_LINK = re.compile(
    r'href="(?P<name>(?P<year>\d{4})-(?P<month>' + "|".join(MONTHS) + r')\.txt(?:\.gz)?)"', re.I
)
_CODECS = {
    "us-ascii": "ascii",
    "ascii": "ascii",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "ms_kanji": "cp932",
    "euc-jp": "euc_jp",
    "x-euc-jp": "euc_jp",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "utf8": "utf-8",
}
_ISO2022 = ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_3")
EARLIEST_YEAR = 1985
GZIP_CHUNK = 64 * 1024
DEFAULT_LIMIT = 64 * 1024 * 1024  # decompressed bytes of a fetched archive (HttpClient.max_bytes)
LOCAL_LIMIT = 4 * 1024 * 1024 * 1024  # bytes read from a local (gzip) mbox
LINE_LIMIT = 1024 * 1024  # an mbox "line" longer than this is read in pieces
MAX_MESSAGE = 4 * 1024 * 1024  # bytes of one message parsed (pipermail strips attachments)


# -- text decoding ---------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Normalise line ends and drop control characters and lone surrogates."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def decode_bytes(raw: bytes, charset: str | None = None) -> str:
    """Decode with the declared charset if it fits the bytes, else detect."""
    codec = _codec(charset) if charset else None
    if codec:
        for candidate in _ISO2022 if codec.startswith("iso2022_jp") else (codec,):
            try:
                return raw.decode(candidate)
            except (UnicodeDecodeError, LookupError):
                continue
    return detect_decode(raw)


def detect_decode(raw: bytes) -> str:
    """Decode bytes of unknown charset: UTF-8, Japanese when it reads as Japanese, else cp1252."""
    if b"\x1b$" in raw or b"\x1b(" in raw:
        for codec in _ISO2022:
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                continue
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for codec in ("cp932", "euc_jp"):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if _reads_as_japanese(text):
            return text
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _reads_as_japanese(text: str) -> bool:
    non_ascii = [ch for ch in text if ord(ch) > 127]
    kana = len(_KANA.findall(text))
    return bool(non_ascii) and kana * 5 >= len(non_ascii)


def _codec(charset: str) -> str | None:
    name = charset.strip().strip('"').lower()
    name = _CODECS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


# -- archives: decompression and splitting ---------------------------------------------------


def decompress(data: bytes, limit: int = DEFAULT_LIMIT) -> tuple[bytes, str | None]:
    """Gunzip when the bytes are gzip (by magic number, not file name); report damage.

    A corrupt or truncated stream still yields everything decompressed before the damage;
    output beyond `limit` bytes is not produced (a gzip bomb): the damage says so.
    """
    if not data.startswith(b"\x1f\x8b"):
        return data, None
    out = _Capped(limit)
    rest = data
    while rest.startswith(b"\x1f\x8b"):
        damage, rest = _inflate(rest, out)
        if damage:
            return out.data(), damage
    return out.data(), None


class _Capped:
    """Decompressed pieces up to a byte limit."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.pieces: list[bytes] = []

    def room(self) -> int:
        """How much more to ask for: one byte over the limit tells it was hit."""
        return max(self.limit - self.size, 0) + 1

    def add(self, piece: bytes) -> bool:
        """Keep a piece; False once the limit is passed (the piece is cut to it)."""
        self.pieces.append(piece[: self.limit - self.size])
        self.size += len(piece)
        return self.size <= self.limit

    def data(self) -> bytes:
        """Everything kept."""
        return b"".join(self.pieces)


def _inflate(data: bytes, out: _Capped) -> tuple[str | None, bytes]:
    """Inflate the gzip member at the start of data into out, never more than its room at a
    time; returns the damage (or None) and the bytes after the member."""
    stream = zlib.decompressobj(wbits=31)
    for start in range(0, len(data), GZIP_CHUNK):
        pending = data[start : start + GZIP_CHUNK]
        while pending:
            saved = stream.copy()
            try:
                piece = stream.decompress(pending, min(out.room(), GZIP_CHUNK * 16))
            except zlib.error as exc:
                out.add(_salvage(saved, pending))
                return f"corrupt gzip data ({exc})", b""
            if not out.add(piece):
                return f"decompressed data exceeds the {out.limit}-byte limit", b""
            pending = stream.unconsumed_tail
            if stream.eof:
                return None, stream.unused_data + data[start + GZIP_CHUNK :]
    return "gzip stream is truncated", b""


def _salvage(stream: Any, chunk: bytes) -> bytes:
    """Byte by byte, what a decompressor still gives from a chunk before the damage."""
    got = []
    for i in range(len(chunk)):
        try:
            got.append(stream.decompress(chunk[i : i + 1]))
        except zlib.error:
            break
    return b"".join(got)


@dataclass(frozen=True)
class RawMessage:
    """One message's bytes cut from an mbox, with its separator line and line number."""

    line: int
    separator: bytes
    data: bytes


def split_mbox(lines: Iterable[bytes], problems: list[str], *, name: str) -> Iterator[RawMessage]:
    """Cut an mbox into messages at dated `From ` lines that are followed by a header."""
    current: list[bytes] | None = None
    start, separator, pending, leading = 0, b"", None, 0
    for number, line in enumerate(lines, start=1):
        if pending is not None:
            pending_line, pending_number = pending
            pending = None
            if _HEADER_LINE.match(line):
                if current is not None:
                    yield RawMessage(start, separator, b"".join(current))
                current, start, separator = [], pending_number, pending_line.rstrip(b"\r\n")
            elif current is not None:
                current.append(pending_line)
            elif pending_line.strip():
                leading += 1
        if _FROM_LINE.match(line.rstrip(b"\r\n")):
            pending = (line, number)
            continue
        if current is not None:
            current.append(line)
        elif line.strip():
            leading += 1
    if pending is not None and current is not None:
        current.append(pending[0])
    if current is not None:
        yield RawMessage(start, separator, b"".join(current))
    if leading:
        problems.append(f"{name}: {leading} line(s) before the first 'From ' line ignored")


def parse_mbox(
    data: bytes | Iterable[bytes], *, name: str, problems: list[str] | None = None
) -> Iterator[Message]:
    """Parse an mbox (bytes or an iterable of lines); unreadable messages go to `problems`."""
    problems = problems if problems is not None else []
    lines = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    for raw in split_mbox(lines, problems, name=name):
        data = raw.data
        if len(data) > MAX_MESSAGE:
            problems.append(
                f"{name}:{raw.line}: message of {len(data)} bytes cut to its first {MAX_MESSAGE}"
            )
            data = data[:MAX_MESSAGE]
        try:
            yield parse_message(data, separator=raw.separator)
        except Exception as exc:  # a broken message must not stop the archive
            problems.append(f"{name}:{raw.line}: unreadable message skipped ({exc})")


# -- one message -----------------------------------------------------------------------------


def parse_message(data: bytes, *, separator: bytes = b"") -> Message:
    """One RFC 5322 message (bytes) to a Message; `separator` is its mbox `From ` line."""
    msg = email.message_from_bytes(data)
    subject = " ".join(header_text(msg, "Subject").split())
    sender = _sender(header_text(msg, "From"), separator)
    when = _date(header_text(msg, "Date"), separator)
    body = clean_text(message_body(msg)).strip("\n")
    references = tuple(_ids(header_text(msg, "References")))
    reply_ids = _ids(header_text(msg, "In-Reply-To"))
    in_reply_to = reply_ids[0] if reply_ids else (references[-1] if references else None)
    own = _ids(header_text(msg, "Message-ID"))
    message = Message(
        message_id=own[0] if own else "",
        subject=clean_text(subject),
        sender=clean_text(sender),
        date=when,
        in_reply_to=in_reply_to,
        references=references,
        body=body,
    )
    if not message.message_id:
        message = replace(message, message_id=synthetic_id(message), synthetic_id=True)
    return message


def header_text(msg: email.message.Message, name: str) -> str:
    """A header decoded from RFC 2047 words or raw 8-bit bytes of any charset."""
    value = msg.get(name)
    if value is None:
        return ""
    raw = str(value)
    if _SURROGATE.search(raw):
        raw = detect_decode(raw.encode("ascii", "surrogateescape"))
    parts = []
    try:
        chunks = decode_header(raw)
    except Exception:  # malformed encoded words: keep the header as it is
        return clean_text(raw)
    for chunk, charset in chunks:
        parts.append(chunk if isinstance(chunk, str) else decode_bytes(chunk, charset))
    return clean_text("".join(parts))


def message_body(msg: email.message.Message) -> str:
    """The text of a message: its text/plain parts, else its text/html parts without tags."""
    plain, markup = [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if (part.get("Content-Disposition") or "").lower().startswith("attachment"):
            continue
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        text = decode_bytes(payload, part.get_content_charset())
        (plain if kind == "text/plain" else markup).append(text)
    if plain:
        return "\n\n".join(plain)
    return "\n\n".join(html.unescape(_TAG.sub("", text)) for text in markup)


def synthetic_id(message: Message) -> str:
    """A stable Message-ID made from the content, for mail that has none (or a clashing one)."""
    key = "\0".join((message.sender, message.date, message.subject, message.body))
    return f"<{hashlib.sha1(key.encode()).hexdigest()[:24]}@digest.invalid>"


def content_digest(message: Message) -> str:
    """Fingerprint of what a message says, to tell a repeated copy from a different mail."""
    key = "\0".join((message.sender, message.subject, message.body.strip()))
    return hashlib.sha1(key.encode()).hexdigest()[:20]


def _sender(value: str, separator: bytes) -> str:
    if not value and separator:
        match = _FROM_LINE.match(separator)
        value = match.group("who").decode("latin-1") if match else ""
    value = _PIPERMAIL_AT.sub(r"\1@\2", value)
    name, address = parseaddr(value)
    if not address:
        return value.strip()
    return f"{name} <{address}>" if name else address


def _date(value: str, separator: bytes) -> str:
    parsed = _parse_date(value)
    if parsed is None and separator:
        match = _FROM_LINE.match(separator)
        parsed = _parse_date(match.group("date").decode("ascii")) if match else None
    return parsed.isoformat() if parsed else ""


def _parse_date(value: str) -> datetime | None:
    """An RFC 2822 (or asctime) date in UTC, or None when it is absent or implausible."""
    if not value:
        return None
    parts = parsedate_tz(value)
    if parts is None:
        return None
    try:
        stamp = datetime(*parts[:6], tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
    offset = parts[9] or 0
    stamp = datetime.fromtimestamp(stamp.timestamp() - offset, UTC)
    if not EARLIEST_YEAR <= stamp.year <= datetime.now(UTC).year + 1:
        return None
    return stamp


def _ids(value: str) -> list[str]:
    value = re.sub(r"(<[^<>]*?) at ([^<>]*>)", r"\1@\2", value)
    return _MSGID.findall(value)


# -- archives: where they are ----------------------------------------------------------------


@dataclass(frozen=True)
class Archive:
    """One monthly archive of a list: where to download it and where its messages are shown."""

    month: str
    url: str
    page_url: str | None = None
    params: tuple[tuple[str, str], ...] = ()


def pipermail_archives(index_html: str, base_url: str) -> list[Archive]:
    """Monthly archives linked from a pipermail index page, oldest first (.txt.gz preferred)."""
    found: dict[str, Archive] = {}
    for match in _ARCHIVE_LINK.finditer(index_html):
        month_name = match.group("month").capitalize()
        month = f"{match.group('year')}-{_MONTH_NUMBER[month_name]:02d}"
        url = urljoin(base_url, match.group("name"))
        page = urljoin(base_url, f"{match.group('year')}-{month_name}/date.html")
        if month not in found or url.endswith(".gz"):
            found[month] = Archive(month=month, url=url, page_url=page)
    return [found[month] for month in sorted(found)]


_DATE_PAGE_ITEM = re.compile(
    r'<LI><A HREF="(?P<href>\d+\.html)">(?P<subject>.*?)</A>.*?<I>(?P<author>.*?)</I>',
    re.I | re.S,
)


def pipermail_message_page(date_html: str, page_url: str, message: Message) -> str | None:
    """The URL of a message's own page, found in its month's date.html by subject and author."""
    subject = " ".join(message.subject.split())
    name = message.sender.split(" <", 1)[0].strip()
    found = []
    for match in _DATE_PAGE_ITEM.finditer(date_html):
        title = " ".join(html.unescape(match.group("subject")).split())
        author = " ".join(html.unescape(match.group("author")).split())
        if title == subject:
            found.append((author == name, match.group("href")))
    if not found:
        return None
    found.sort(key=lambda f: not f[0])
    return urljoin(page_url, found[0][1])


def hyperkitty_archives(list_url: str, start: date, today: date) -> list[Archive]:
    """Monthly HyperKitty export URLs from `start` to the current month."""
    base = list_url if list_url.endswith("/") else list_url + "/"
    name = base.rstrip("/").rsplit("/", 1)[-1]
    archives = []
    year, month = start.year, start.month
    while (year, month) <= (today.year, today.month):
        following = (year + 1, 1) if month == 12 else (year, month + 1)
        params = (
            ("start", f"{year}-{month:02d}-01"),
            ("end", f"{following[0]}-{following[1]:02d}-01"),
        )
        archives.append(
            Archive(
                month=f"{year}-{month:02d}",
                url=f"{base}export/{name}.mbox.gz",
                page_url=f"{base}{year}/{month}/",
                params=params,
            )
        )
        year, month = following
    return archives


def hyperkitty_message_url(list_url: str, message_id: str) -> str:
    """HyperKitty's page of one message: base32 of the SHA-1 of its Message-ID."""
    digest = hashlib.sha1(message_id.strip("<>").encode()).digest()
    base = list_url if list_url.endswith("/") else list_url + "/"
    return f"{base}message/{base64.b32encode(digest).decode()}/"


# -- fetching --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveResult:
    """What fetching one monthly archive gave: messages, or 304, and what went wrong."""

    archive: Archive
    response: Response
    messages: tuple[Message, ...]
    problems: tuple[str, ...]
    truncated: bool = False


def fetch_archive(
    client: HttpClient,
    archive: Archive,
    *,
    label: str,
    validators: Validators | None = None,
    redirect_hosts: Collection[str] = (),
) -> ArchiveResult:
    """Download one monthly archive (conditionally), decompress by content and parse it.

    A redirect may lead only to the archive's own host or one of `redirect_hosts`.
    """
    response = client.get(
        archive.url,
        label=label,
        validators=validators,
        params=dict(archive.params) or None,
        redirect_hosts=redirect_hosts,
    )
    if response.not_modified:
        return ArchiveResult(archive, response, (), ())
    where = f"{label}: {archive.month}"
    return _parse_archive(archive, response, where, client.max_bytes)


def _parse_archive(
    archive: Archive, response: Response, where: str, limit: int = DEFAULT_LIMIT
) -> ArchiveResult:
    data, damage = decompress(response.content, limit)
    if not looks_like_mbox(data):
        problem = (
            f"{where}: {response.url} is not an mbox archive (it starts with "
            f"{_start_of(data)}): nothing stored, asked for again next run"
        )
        return ArchiveResult(archive, response, (), (problem,), True)
    problems: list[str] = []
    messages = list(parse_mbox(data, name=where, problems=problems))
    if damage:
        dropped = messages.pop() if messages else None
        lost = f"; dropped the incomplete last message {dropped.message_id}" if dropped else ""
        problems.append(
            f"{where}: {damage} for {response.url}: kept {len(messages)} message(s){lost}"
        )
    return ArchiveResult(archive, response, tuple(messages), tuple(problems), bool(damage))


def looks_like_mbox(data: bytes) -> bool:
    """Empty, or its first non-blank line is a dated mbox `From ` line (not an HTML page)."""
    first = data.lstrip(b"\r\n\t ")[:1024].split(b"\n", 1)[0]
    return not first or bool(_FROM_LINE.match(first.rstrip(b"\r")))


def _start_of(data: bytes) -> str:
    return repr(detect_decode(data.lstrip()[:40]))


def read_mbox(
    path: Path, *, name: str, problems: list[str], limit: int = LOCAL_LIMIT
) -> Iterator[Message]:
    """Stream the messages of a local mbox file (gzip-compressed or not, by content).

    Memory stays bounded: lines are read in pieces of at most LINE_LIMIT bytes, and reading
    stops (with a problem) after `limit` bytes or at damaged gzip data.
    """
    with path.open("rb") as handle:
        magic = handle.read(2)
        handle.seek(0)
        if magic != b"\x1f\x8b":
            yield from parse_mbox(
                _bounded_lines(handle, limit, name, problems), name=name, problems=problems
            )
            return
        with gzip.GzipFile(fileobj=handle) as unpacked:
            lines = _bounded_lines(unpacked, limit, name, problems)  # type: ignore[arg-type]
            yield from parse_mbox(lines, name=name, problems=problems)


def _bounded_lines(
    handle: io.BufferedIOBase, limit: int, name: str, problems: list[str]
) -> Iterator[bytes]:
    """Lines of a file in pieces of at most LINE_LIMIT bytes, stopping at `limit` or damage."""
    size = 0
    while True:
        try:
            line = handle.readline(LINE_LIMIT)
        except (OSError, EOFError, zlib.error) as exc:
            problems.append(f"{name}: damaged gzip data ({exc}): kept what came before")
            return
        if not line:
            return
        size += len(line)
        if size > limit:
            problems.append(f"{name}: stopped after {limit} bytes (the limit for a local mbox)")
            return
        yield line


def thread_ids(messages: Iterable[Message], known: dict[str, str]) -> dict[str, str]:
    """Thread id (the root Message-ID) of each message; `known` maps stored ids to threads."""
    threads = dict(known)
    result = {}
    for message in sorted(messages, key=lambda m: m.date):
        if message.references:
            root = threads.get(message.references[0], message.references[0])
        elif message.in_reply_to:
            root = threads.get(message.in_reply_to, message.in_reply_to)
        else:
            root = message.message_id
        threads[message.message_id] = root
        result[message.message_id] = root
    return result


def month_start(month: str) -> date:
    """The first day of a YYYY-MM month."""
    year, number = month.split("-")
    return date(int(year), int(number), 1)
