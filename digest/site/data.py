"""What the site shows from the store: releases, their changes, classification and Japanese.

A release's changes are its ChangeLog entries, or, when it has none, its non-merge commits,
read as typed rows (store.ReleaseChange) with the classification `digest classify` stored (the
site build classifies what is not classified yet first). The Japanese beside each English line
is the translation memory's text for that line (same normalised key as `digest translate`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from markupsafe import Markup
from sqlite_utils import Database

from digest import store
from digest.classify import OTHER
from digest.fetch.releases import final_of
from digest.site.markup import safe_url
from digest.sources.inline_markdown import inline_html
from digest.taxonomy import load_taxonomy
from digest.translate.lines import tm_key


@dataclass(frozen=True)
class Link:
    """A labelled http(s) link (ticket, changeset)."""

    label: str
    url: str


@dataclass(frozen=True)
class Change:
    """One line of a release: English, its Japanese, classification and links."""

    project: str
    version: str
    date: str
    english: str
    japanese: str | None
    state: str | None
    severity: str | None
    kind: str | None
    components: tuple[str, ...]
    sha: str | None
    commit_url: str | None
    tickets: tuple[Link, ...] = ()
    duplicate: bool = False

    @property
    def component(self) -> str:
        """The main component ("other" when none)."""
        return self.components[0] if self.components else OTHER

    @property
    def text(self) -> str:
        """The English line without a leading severity word the badge already shows."""
        if self.severity and self.english.lower().startswith(self.severity.lower() + ":"):
            return self.english[len(self.severity) + 1 :].strip()
        return self.english

    @property
    def html(self) -> Markup:
        """The line as safe HTML: ChangeLog.md bold and code spans rendered, the rest escaped."""
        return Markup(inline_html(self.text))

    @property
    def japanese_html(self) -> Markup:
        """The Japanese as safe HTML: code spans kept from the English rendered, rest escaped."""
        return Markup(inline_html((self.japanese or "").strip()))


@dataclass(frozen=True)
class ReleaseInfo:
    """A release with its changes (ChangeLog entries, or commits when it has no ChangeLog)."""

    project: str
    name: str
    version: str
    date: str
    is_rc: bool
    previous: str | None
    announcement: str | None
    source: str
    changes: tuple[Change, ...]
    rc_sources: tuple[str, ...] = ()  # source "rc": the rc sections whose entries are shown


@dataclass
class SiteData:
    """Everything the release and component pages need, read once per build."""

    projects: dict[str, dict[str, Any]]
    releases: list[ReleaseInfo]
    titles: dict[str, str] = field(default_factory=dict)

    def component_order(self, names: Iterable[str]) -> list[str]:
        """Component ids in taxonomy order; unknown ones after, alphabetically; other last."""
        rank = {name: i for i, name in enumerate(self.titles)}
        return sorted(set(names), key=lambda n: (n == OTHER, rank.get(n, len(rank)), n))


def load_site_data(db: Database, *, lang: str = "ja") -> SiteData:
    """Read projects, releases, classified changes and translations from the store."""
    projects = {row["id"]: row for row in store.site_projects(db)}
    rows = list(store.release_changes(db))
    japanese = japanese_lines(db, [row.english for row in rows], lang)
    changes: dict[tuple[str, str], list[Change]] = {}
    for row in rows:
        commit_url = projects.get(row.project, {}).get("commit_url") or ""
        change = _change(row, commit_url, japanese.get(row.english))
        changes.setdefault((row.project, row.version), []).append(change)
    rc_repeats(changes)
    releases = [_release(r, projects, changes) for r in store.query_releases(db)]
    releases = rc_fallback(releases)
    titles = {name: c.title for name, c in load_taxonomy().components.items()}
    return SiteData(projects, releases, titles)


def japanese_lines(
    db: Database, lines: Iterable[str], lang: str = "ja"
) -> dict[str, tuple[str, str]]:
    """English line -> (translation, review state) from the translation memory."""
    keys = {line: tm_key(line) for line in dict.fromkeys(lines) if line.strip()}
    found = store.get_translations(db, keys.values(), lang)
    return {
        line: (found[key]["text"], found[key]["state"])
        for line, key in keys.items()
        if key in found
    }


def _change(row: store.ReleaseChange, commit_url: str, japanese: tuple[str, str] | None) -> Change:
    sha = row.sha
    tickets = (_link(t.label, t.url) for t in row.tickets)
    return Change(
        project=row.project,
        version=row.version,
        date=row.release_date,
        english=row.english,
        japanese=japanese[0] if japanese else None,
        state=japanese[1] if japanese else None,
        severity=row.severity,
        kind=row.kind,
        components=row.components,
        sha=sha,
        commit_url=safe_url(commit_url.replace("{sha}", sha)) if sha and commit_url else None,
        tickets=tuple(t for t in tickets if t),
        duplicate=row.duplicate,
    )


def _link(label: Any, url: Any) -> Link | None:
    safe = safe_url(str(url)) if url else None
    return Link(str(label or url), safe) if safe else None


def _release(
    row: dict[str, Any],
    projects: dict[str, dict[str, Any]],
    changes: dict[tuple[str, str], list[Change]],
) -> ReleaseInfo:
    return ReleaseInfo(
        project=row["project"],
        name=projects.get(row["project"], {}).get("name") or row["project"],
        version=row["version"],
        date=row["date"],
        is_rc=bool(row["is_rc"]),
        previous=row["previous_version"],
        announcement=safe_url(row["announcement"]),
        source="changelog" if row["entries"] else "commits",
        changes=tuple(changes.get((row["project"], row["version"]), [])),
    )


def rc_repeats(changes: dict[tuple[str, str], list[Change]]) -> None:
    """Mark an rc's lines that its final's ChangeLog repeats as duplicates (listed once).

    A final's ChangeLog.md section repeats every line of its release candidates; component
    pages list such a line once, under the final. Release pages still show every line.
    """
    for (project, version), found in changes.items():
        final = _RC.sub("", version)
        if final == version or (project, final) not in changes:
            continue
        repeated = {change.english for change in changes[(project, final)]}
        changes[(project, version)] = [
            replace(c, duplicate=True) if c.english in repeated else c for c in found
        ]


_RC = re.compile(r"-?rc\d+[a-z]?$")


def rc_fallback(releases: list[ReleaseInfo]) -> list[ReleaseInfo]:
    """A final release with an empty ChangeLog section shows the entries of its rc sections
    (resource-agents 4.18.0: its changes are written under `release candidate 4.18.0 rc1`).

    The lines are marked duplicates, so component pages list them once, under the rc.
    """
    rcs: dict[tuple[str, str], list[ReleaseInfo]] = {}
    for rc in sorted(releases, key=lambda r: (r.date, r.version)):
        if rc.is_rc and rc.source == "changelog":
            rcs.setdefault((rc.project, final_of(rc.version)), []).append(rc)
    shown = []
    for release in releases:
        found = rcs.get((release.project, release.version), [])
        if found and not release.is_rc and release.source != "changelog":
            lines = [replace(c, duplicate=True) for rc in reversed(found) for c in rc.changes]
            release = replace(
                release,
                source="rc",
                changes=tuple(lines),
                rc_sources=tuple(rc.version for rc in found),
            )
        shown.append(release)
    return shown
