"""Mailing lists and feeds into the store, with release announcements linked to releases.

`fetch_news` walks the configured `lists:` and `feeds:`: pipermail months are discovered from
the list's index page, months already complete are not asked for again, the current month and
every feed are revalidated with conditional GETs (a 304 costs no parsing), and only messages
or entries not stored before are written. A message or entry that announces a release of a
tracked project is linked to it (the release is created when git has none), and its bulleted
change items are kept and matched to commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from stat import S_ISREG
from typing import Any

from sqlite_utils import Database

from digest.config import Config, Feed, MailingList
from digest.errors import ConfigError, DigestError
from digest.fetch.announcements import (
    ItemMatcher,
    ProjectNames,
    change_items,
    detect_feed_release,
    detect_release,
    project_names,
)
from digest.fetch.concurrent import STORE as store
from digest.fetch.concurrent import on_main_thread, run_concurrently
from digest.fetch.releases import is_prerelease, predecessors
from digest.models import FeedEntry, Message, Release
from digest.sources import feed as feeds_source
from digest.sources import mail
from digest.sources.http import HttpClient, HttpError, RedirectRefused, Response, Validators

GRACE_DAYS = 3
HYPERKITTY_DEFAULT_MONTHS = 12

# -- fetching (I/O and store) ----------------------------------------------------------------


@dataclass
class NewsSummary:
    """What one news fetch did: counts, warnings (partial problems) and failed sources."""

    lists: int = 0
    feeds: int = 0
    archives: int = 0
    not_modified: int = 0
    messages_read: int = 0
    messages_new: int = 0
    entries_read: int = 0
    entries_new: int = 0
    announcements: int = 0
    releases_created: int = 0
    requests: int = 0
    bytes: int = 0
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, other: NewsSummary) -> None:
        """Count in what another (one source's) summary holds."""
        for name in ("lists", "feeds", "archives", "messages_read", "messages_new"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("entries_read", "entries_new", "announcements", "releases_created"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.warnings.extend(other.warnings)
        self.failures.extend(other.failures)

    def line(self) -> str:
        """One summary line."""
        return (
            f"news: {self.lists} lists, {self.feeds} feeds: {self.messages_new} new messages "
            f"({self.messages_read} read), {self.entries_new} new feed entries, "
            f"{self.announcements} announcements, {self.releases_created} releases created; "
            f"{self.requests} requests ({self.not_modified} not modified, {self.bytes} bytes); "
            f"{len(self.warnings)} warnings, {len(self.failures)} failed"
        )


@dataclass
class _Run:
    """Everything one fetch_news call shares."""

    config: Config
    db: Database
    client: HttpClient
    today: date
    names: list[ProjectNames]
    summary: NewsSummary
    pages: dict[str, str] = field(default_factory=dict)
    matcher: ItemMatcher = field(init=False)

    def __post_init__(self) -> None:
        self.matcher = ItemMatcher(self.db)


def fetch_news(
    config: Config,
    db: Database,
    *,
    lists: list[str] | None = None,
    feeds: list[str] | None = None,
    client: HttpClient | None = None,
    today: date | None = None,
    report: Any = None,
) -> NewsSummary:
    """Fetch the selected lists and feeds (all when None), four at a time; a failing source
    is reported (and `report`ed as it ends) and the others go on."""
    chosen_lists = _select(config.lists, lists, "list", config)
    chosen_feeds = _select(config.feeds, feeds, "feed", config)
    own_client = client is None
    client = client or HttpClient(user_agent=config.settings.user_agent)
    run = _Run(config, db, client, today or datetime.now(UTC).date(), [], NewsSummary())
    run.names = project_names(config.projects)
    store.save_projects(db, config.projects)
    before = (client.traffic.requests, client.traffic.bytes, client.traffic.not_modified)
    notes = len(client.notes)
    jobs = [_job(run, "list", m.id, _fetch_list, m, report) for m in chosen_lists]
    jobs += [_job(run, "feed", f.id, _fetch_feed, f, report) for f in chosen_feeds]
    try:
        for part in run_concurrently(jobs):
            run.summary.add(part)
    finally:
        if own_client:
            client.close()
    run.summary.requests = client.traffic.requests - before[0]
    run.summary.bytes = client.traffic.bytes - before[1]
    run.summary.not_modified = client.traffic.not_modified - before[2]
    run.summary.warnings.extend(client.notes[notes:])
    return run.summary


def _select(items: tuple[Any, ...], ids: list[str] | None, what: str, config: Config) -> list[Any]:
    if ids is None:
        return list(items)
    known = {item.id for item in items}
    for wanted in ids:
        if wanted not in known:
            raise ConfigError(f"{config.path.name}: no {what} with id '{wanted}'")
    return [item for item in items if item.id in ids]


def _job(run: _Run, kind: str, source_id: str, fetch: Any, source: Any, report: Any) -> Any:
    """One source as a job with its own summary (merged after), sharing client and matcher."""

    def job() -> NewsSummary:
        own = replace(run, summary=NewsSummary(), pages={})
        own.matcher = run.matcher
        _guard(own, kind, source_id, lambda: fetch(own, source))
        if report:
            failed = own.summary.failures
            report(f"{kind} '{source_id}': " + ("failed" if failed else "done"))
        return own.summary

    return job


def _guard(run: _Run, kind: str, source_id: str, action: Any) -> None:
    """Run one source; its DigestError becomes a failure line and the run goes on."""
    label = f"{kind} '{source_id}'"
    try:
        action()
    except DigestError as exc:
        message = str(exc) if str(exc).startswith(label) else f"{label}: {exc}"
        run.summary.failures.append(message)
        store.set_state(run.db, f"{kind}:{source_id}", error=message)


# -- lists -----------------------------------------------------------------------------------


def _fetch_list(run: _Run, mailing_list: MailingList) -> None:
    run.summary.lists += 1
    label = f"list '{mailing_list.id}'"
    if mailing_list.kind == "mbox":
        _fetch_mbox(run, mailing_list, label)
        return
    key = f"list:{mailing_list.id}"
    cursor = store.get_state(run.db, key).get("cursor", {})
    if mailing_list.kind == "pipermail":
        archives = _pipermail_index(run, mailing_list, label, cursor)
    else:
        archives = mail.hyperkitty_archives(mailing_list.url, _start(mailing_list, run), run.today)
    if mailing_list.since:
        archives = [a for a in archives if a.month >= mailing_list.since]
    complete = set(cursor.get("complete", []))
    failures = len(run.summary.failures)
    for archive in archives:
        if archive.month in complete:
            continue
        if _fetch_month(run, mailing_list, label, archive) and _month_over(archive.month, run):
            complete.add(archive.month)
    cursor["complete"] = sorted(complete)
    store.set_state(run.db, key, cursor=cursor)
    if len(run.summary.failures) > failures:
        store.set_state(run.db, key, error=run.summary.failures[-1])


def _start(mailing_list: MailingList, run: _Run) -> date:
    if mailing_list.since:
        return mail.month_start(mailing_list.since)
    months = run.today.year * 12 + run.today.month - 1 - (HYPERKITTY_DEFAULT_MONTHS - 1)
    return date(months // 12, months % 12 + 1, 1)


def _pipermail_index(
    run: _Run, mailing_list: MailingList, label: str, cursor: dict[str, Any]
) -> list[mail.Archive]:
    """The list's monthly archives; a 304 on the index reuses the months found last time."""
    known = cursor.get("archives", {})
    key = f"list:{mailing_list.id}:{mailing_list.url}"
    hosts = mailing_list.allow_redirect_hosts
    response = _conditional_get(
        run, mailing_list.url, key, label, conditional=bool(known), redirect_hosts=hosts
    )
    if response is None:
        return [mail.Archive(month=m, url=u, page_url=p) for m, (u, p) in sorted(known.items())]
    text = response.content.decode("utf-8", "replace")
    archives = mail.pipermail_archives(text, str(mailing_list.url))
    if not archives:
        raise DigestError(f"{label}: no monthly archives linked from {mailing_list.url}")
    cursor["archives"] = {a.month: [a.url, a.page_url] for a in archives}
    return archives


def _conditional_get(
    run: _Run,
    url: str,
    key: str,
    label: str,
    *,
    conditional: bool = True,
    redirect_hosts: tuple[str, ...] | None = None,
) -> Response | None:
    """GET a URL with the validators stored under `key`; None on 304, else the response."""
    validators = _stored_validators(run, key) if conditional else None
    response = run.client.get(
        url, label=label, validators=validators, redirect_hosts=redirect_hosts
    )
    if response.not_modified:
        return None
    store.set_state(
        run.db, key, etag=response.validators.etag, last_modified=response.validators.last_modified
    )
    return response


def _stored_validators(run: _Run, key: str) -> Validators | None:
    state = store.get_state(run.db, key)
    if not state or not (state.get("etag") or state.get("last_modified")):
        return None
    return Validators(state.get("etag"), state.get("last_modified"))


def _month_over(month: str, run: _Run) -> bool:
    start = mail.month_start(month)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return run.today >= following + timedelta(days=GRACE_DAYS)


def _fetch_month(run: _Run, mailing_list: MailingList, label: str, archive: mail.Archive) -> bool:
    """Fetch one month; True when it was read whole (or unchanged)."""
    key = f"list:{mailing_list.id}:{archive.url}"
    if archive.params:
        key += "?" + "&".join(f"{k}={v}" for k, v in archive.params)
    validators = _stored_validators(run, key)
    try:
        result = mail.fetch_archive(
            run.client,
            archive,
            label=label,
            validators=validators,
            redirect_hosts=mailing_list.allow_redirect_hosts,
        )
    except RedirectRefused as exc:
        run.summary.warnings.append(
            f"{exc}: month {archive.month} not stored, asked for again next run "
            "(allow_redirect_hosts lets a list redirect there)"
        )
        return False
    except HttpError as exc:
        if exc.status == 404:
            run.summary.warnings.append(f"{exc}: month {archive.month} skipped")
        else:
            run.summary.failures.append(f"{exc} (month {archive.month})")
        return False
    run.summary.archives += 1
    if result.response.not_modified:
        return True
    run.summary.warnings.extend(result.problems)
    _save_messages(run, mailing_list, label, result.messages, archive)
    if not result.truncated:
        valid = result.response.validators
        store.set_state(run.db, key, etag=valid.etag, last_modified=valid.last_modified)
    return not result.truncated


def _fetch_mbox(run: _Run, mailing_list: MailingList, label: str) -> None:
    """Read a local mbox file again only when its size or modification time changed."""
    path = Path(mailing_list.url)
    key = f"list:{mailing_list.id}"
    try:
        stat = path.stat()
    except OSError as exc:
        raise DigestError(f"{label}: cannot read {path}: {exc.strerror or exc}") from exc
    if not S_ISREG(stat.st_mode):  # a directory, a FIFO (would block) or a device (endless)
        raise DigestError(f"{label}: {path} is not a regular file (an mbox must be one)")
    seen = {"size": stat.st_size, "mtime": stat.st_mtime_ns}
    if store.get_state(run.db, key).get("cursor") == seen:
        return
    problems: list[str] = []
    messages = tuple(mail.read_mbox(path, name=f"{label}: {path.name}", problems=problems))
    run.summary.warnings.extend(problems)
    _save_messages(run, mailing_list, label, messages, None)
    store.set_state(run.db, key, cursor=seen)


def _save_messages(
    run: _Run,
    mailing_list: MailingList,
    label: str,
    messages: tuple[Message, ...],
    archive: mail.Archive | None,
) -> None:
    """Store the messages not stored before; thread, link and scan them for announcements."""
    run.summary.messages_read += len(messages)
    fresh = _new_messages(run, mailing_list.id, label, messages)
    if not fresh:
        return
    parents = {m.references[0] for m in fresh if m.references}
    parents |= {m.in_reply_to for m in fresh if m.in_reply_to}
    threads = mail.thread_ids(fresh, store.message_threads(run.db, mailing_list.id, parents))
    rows = []
    for message in fresh:
        url = _message_url(mailing_list, message, archive)
        rows.append(
            {
                **message.__dict__,
                "url": url,
                "thread": threads[message.message_id],
                "digest": mail.content_digest(message),
            }
        )
    store.save_messages(run.db, mailing_list.id, rows)
    run.summary.messages_new += len(rows)
    scoped = [n for n in run.names if not mailing_list.projects or n.id in mailing_list.projects]
    for message, row in zip(fresh, rows, strict=True):
        if row["in_reply_to"] or row["references"]:
            continue
        release = detect_release(row["subject"], scoped)
        if release is None:
            continue
        if mailing_list.kind == "pipermail" and archive is not None:
            row["url"] = _pipermail_page(run, label, archive, message) or row["url"]
            store.set_message_url(run.db, mailing_list.id, message.message_id, row["url"])
        _announce(run, "messages", mailing_list.id, row["message_id"], release, row)


def _pipermail_page(run: _Run, label: str, archive: mail.Archive, message: Message) -> str | None:
    """The message's own pipermail page, looked up in the month's date.html."""
    if not archive.page_url:
        return None
    if archive.page_url not in run.pages:
        try:
            response = run.client.get(archive.page_url, label=label)
        except DigestError as exc:
            run.summary.warnings.append(f"{exc}; announcement linked to the month's archive")
            response = None
        run.pages[archive.page_url] = (
            response.content.decode("utf-8", "replace") if response else ""
        )
    return mail.pipermail_message_page(run.pages[archive.page_url], archive.page_url, message)


def _new_messages(
    run: _Run, list_id: str, label: str, messages: tuple[Message, ...]
) -> list[Message]:
    """Messages not yet stored; a Message-ID reused by different mail gets a synthetic id."""
    alternatives = {m.message_id: mail.synthetic_id(m) for m in messages}
    stored = store.message_digests(run.db, list_id, [*alternatives.keys(), *alternatives.values()])
    fresh: list[Message] = []
    for message in messages:
        digest = mail.content_digest(message)
        prior = stored.get(message.message_id)
        if prior is not None and prior != digest:
            new_id = mail.synthetic_id(message)
            run.summary.warnings.append(
                f"{label}: Message-ID {message.message_id} is reused by a different message "
                f"('{message.subject[:60]}'); stored as {new_id}"
            )
            message = replace(message, message_id=new_id, synthetic_id=True)
            prior = stored.get(new_id)
        if prior == digest:
            continue
        stored[message.message_id] = digest
        fresh.append(message)
    return fresh


def _message_url(
    mailing_list: MailingList, message: Message, archive: mail.Archive | None
) -> str | None:
    if mailing_list.kind == "hyperkitty":
        return mail.hyperkitty_message_url(mailing_list.url, message.message_id)
    return archive.page_url if archive else None


# -- feeds -----------------------------------------------------------------------------------


def _fetch_feed(run: _Run, source: Feed) -> None:
    run.summary.feeds += 1
    label = f"feed '{source.id}'"
    key = f"feed:{source.id}:{source.url}"
    response, entries = feeds_source.fetch_feed(
        run.client, source.url, label=label, validators=_stored_validators(run, key)
    )
    if response.not_modified:
        store.set_state(run.db, f"feed:{source.id}", cursor=_cursor(run, f"feed:{source.id}"))
        return
    run.summary.entries_read += len(entries)
    stored = store.feed_digests(run.db, source.id)
    rows = []
    for entry in entries:
        digest = _entry_digest(entry)
        if stored.get(entry.entry_id) != digest:
            rows.append({**entry.__dict__, "digest": digest})
            stored[entry.entry_id] = digest
    store.save_feed_entries(run.db, source.id, rows)
    run.summary.entries_new += len(rows)
    for entry in (e for e in entries if e.entry_id in {r["entry_id"] for r in rows}):
        release = detect_feed_release(entry, run.names, source.projects)
        if release:
            details = {"date": entry.published or "", "url": entry.link, "body": entry.summary}
            _announce(run, "feed_entries", source.id, entry.entry_id, release, details)
    valid = response.validators
    store.set_state(run.db, key, etag=valid.etag, last_modified=valid.last_modified)
    store.set_state(run.db, f"feed:{source.id}", cursor={"entries": len(entries)})


def _cursor(run: _Run, key: str) -> dict[str, Any]:
    return store.get_state(run.db, key).get("cursor") or {}


def _entry_digest(entry: FeedEntry) -> str:
    key = "\0".join((entry.title, entry.link or "", entry.published or "", entry.summary))
    return hashlib.sha1(key.encode()).hexdigest()[:20]


# -- announcements ---------------------------------------------------------------------------


@on_main_thread
def _announce(
    run: _Run,
    table: str,
    source: str,
    item_id: str,
    release: tuple[str, str],
    details: dict[str, Any],
) -> None:
    """Link an announcing message/entry to its release and keep its change items."""
    project, version = release
    when = details.get("date") or ""
    items = change_items(details.get("body") or "", version)
    matched = run.matcher.match(project, items, when)
    store.save_announcement(
        run.db, table=table, source=source, item_id=item_id, release=release, items=matched
    )
    url = details.get("url") or (f"mid:{item_id.strip('<>')}" if table == "messages" else item_id)
    previous = _previous_version(run.db, project, version, when)
    created = store.link_release_announcement(
        run.db, release, url=url, date=when, is_rc=is_prerelease(version), previous=previous
    )
    run.summary.announcements += 1
    run.summary.releases_created += int(created)


def _previous_version(db: Database, project: str, version: str, when: str) -> str | None:
    rows = store.releases_of(db, project)
    releases = [
        Release(project, r["version"], r["commit_sha"], r["date"], r["tag"], bool(r["is_rc"]))
        for r in rows
        if r["version"] != version
    ]
    releases.append(Release(project, version, "", when, None, is_prerelease(version)))
    return predecessors(releases).get(version)
