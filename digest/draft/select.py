"""Select what a month's digest shows: store -> Digest model.

Selection policy (the `draft:` section of sources.yaml): for a release whose ChangeLog has
severities, its High entries in ChangeLog order; a small release (<= small_release entries) is
taken whole; a long one without severities is ranked and cut (digest.draft.ranking). Without
its own ChangeLog entries: the entries of its rc sections, else the items of its announcement,
else the commits of its range, noise (merges, version bumps, tests) dropped. A change is shown
once; a section left without changes names the releases showing them (digest.draft.fallback).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlite_utils import Database

from digest import store
from digest.config import Config, draft_settings
from digest.draft import fallback
from digest.draft.links import safe_url
from digest.draft.model import Digest, DigestChange, NewsItem, ReleaseSection, Translate
from digest.draft.ranking import needs_selection, select_entries
from digest.errors import ConfigError
from digest.fetch.releases import final_of
from digest.sources.inline_markdown import plain_text

_NOISE = re.compile(
    r"^(?:merge\b|release\b|bump\b|version\b|update version|prepare (?:for )?release|"
    r"revert\b|.*\btests?\b)",
    re.I,
)


def month_bounds(month: str) -> tuple[str, str]:
    """First day of the month and first day of the next, as YYYY-MM-DD."""
    match = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", month)
    if not match:
        raise ConfigError(f"month '{month}' is not YYYY-MM")
    year, mon = int(match.group(1)), int(match.group(2))
    nxt = date(year + mon // 12, mon % 12 + 1, 1)
    return f"{year:04d}-{mon:02d}-01", nxt.isoformat()


def build_digest(
    config: Config,
    db: Database,
    month: str,
    *,
    translate: Translate,
    failures: list[str] | None = None,
) -> Digest:
    """Collect the month's releases, their selected changes (translated) and the news."""
    settings = draft_settings(config)
    start, end = month_bounds(month)
    releases = _releases(db, config, start, end, settings)
    picks = [_select(db, r, settings, config.project(r["project"]).commit_link) for r in releases]
    claims = fallback.claim(db, releases, picks, _NOISE)
    sections = []
    for i, release in enumerate(releases):
        project = config.project(release["project"])
        _, how, rcs = picks[i]
        same_as = _same_as(config, releases, i, _shown_by(claims, picks[i][0], i))
        sections.append(
            ReleaseSection(
                number=f"1-{i + 1}",
                project=project.id,
                project_name=_release_name(project.name, release["version"]),
                version=release["version"],
                date=release["date"][:10],
                announcement=_web_link(release.get("announcement")),
                changelog_url=_changelog_url(project.changelog_url, release),
                changes=tuple(claims.kept[i]),
                selection=f"same-as:{same_as}" if same_as else how,
                folded=tuple(release.get("folded", ())),
                same_as=same_as,
                rc_sources=rcs,
            )
        )
    sections = _translated(sections, translate)
    pattern = re.compile(settings["news_pattern"], re.I)
    news = [
        NewsItem(**{**r, "url": safe_url(r["url"])})
        for r in store.month_news(db, start, end)
        if pattern.search(r["title"])
    ]
    return Digest(
        month=month,
        front_matter=_front_matter(settings, month),
        releases=tuple(sections),
        news=tuple(news),
        failures=tuple(failures or ()),
    )


def _shown_by(claims: fallback.Claims, changes: list[DigestChange], i: int) -> list[int]:
    """The other releases showing a section's changes when it shows none itself: the release
    a backport copies, else those that claimed its changes first; [] when it shows some."""
    if claims.kept[i]:
        return []
    if i in claims.copies:
        return [claims.copies[i]]
    return sorted({claims.shown_in[c.key] for c in changes if c.key in claims.shown_in} - {i})


def _same_as(config: Config, releases: list[dict[str, Any]], i: int, others: list[int]) -> str:
    """The names of other releases ("1.4.2", or "Pacemaker 1.1.6" for another project)."""
    names = []
    for j in others:
        other = releases[j]
        name = other["version"]
        if other["project"] != releases[i]["project"]:
            project = config.project(other["project"])
            name = f"{_release_name(project.name, name)} {name}"
        names.append(name)
    return "、".join(names)


def _releases(
    db: Database, config: Config, start: str, end: str, settings: dict[str, Any]
) -> list[dict[str, Any]]:
    order = {pid: i for i, pid in enumerate(config.draft_order())}
    rows = store.releases_between(db, start, end)
    rows = [r for r in rows if r["project"] in order and (settings["include_rc"] or not r["is_rc"])]
    rows = _fold_candidates(rows)
    return sorted(rows, key=lambda r: (order[r["project"]], r["date"]))


def _fold_candidates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An rc whose final is released the same month is folded into the final's section.

    The final's ChangeLog covers everything since the previous final, so its section shows
    the rc's changes too; the final's row lists the folded rc versions under "folded".
    """
    finals = {(r["project"], r["version"]): r for r in rows if not r["is_rc"]}
    kept = []
    for row in rows:
        final = finals.get((row["project"], final_of(row["version"]))) if row["is_rc"] else None
        if final is None:
            kept.append(row)
        else:
            final["folded"] = [*final.get("folded", []), row["version"]]
    return kept


def _select(
    db: Database, release: dict[str, Any], settings: dict[str, Any], link: Callable[[str], str]
) -> fallback.Picked:
    """The changes a release shows, how they were chosen and the rc sections they come from
    (digest.draft.fallback: the order)."""
    project, version = release["project"], release["version"]
    entries = store.changelog_entries(db, project, version)
    if entries:
        return (*_from_entries(project, entries, settings, link, "changelog"), ())
    if not release["is_rc"]:
        rcs, entries = fallback.rc_entries(db, project, version)
        if entries:
            return (*_from_entries(project, entries, settings, link, "rc-changelog"), rcs)
    items = store.release_announcement_items(db, project, version)
    if items:
        return [_item_change(project, version, i, link) for i in items], "announcement", ()
    return _from_commits(db, release, settings, link), "commits", ()


def _from_commits(
    db: Database, release: dict[str, Any], settings: dict[str, Any], link: Callable[[str], str]
) -> list[DigestChange]:
    """The commits of a release range, noise dropped: a small range whole, a larger one its
    fixes and features (any kind when it has none), cut to max_commits."""
    project = release["project"]
    commits = [
        c
        for c in store.release_commits(db, project, release["version"])
        if not _NOISE.match(c["subject"])
    ]
    picked = commits
    if len(commits) > settings["max_commits"]:
        kinds = set(settings["commit_kinds"])
        picked = [c for c in commits if c["kind"] is None or c["kind"] in kinds] or commits
    return [_commit_change(project, c, link) for c in picked[: settings["max_commits"]]]


def _from_entries(
    project: str,
    entries: list[dict[str, Any]],
    settings: dict[str, Any],
    link: Callable[[str], str],
    source: str,
) -> tuple[list[DigestChange], str]:
    """ChangeLog entries as the policy keeps them: cut, High only, or whole."""
    if needs_selection(entries, settings):
        chosen = select_entries(entries, settings, project)
        return [_entry_change(project, e, link) for e in chosen], f"{source}:{len(chosen)}"
    chosen, how = entries, source
    severe = [e for e in entries if e["severity"] in settings["severities"]]
    if len(entries) > settings["small_release"] and severe:
        chosen, how = severe, f"{source}:" + "+".join(settings["severities"])
    return [_entry_change(project, e, link) for e in chosen], how


def _entry_change(project: str, entry: dict[str, Any], link: Callable[[str], str]) -> DigestChange:
    text = plain_text(entry["text"])
    english = f"{entry['component']}: {text}" if entry["component"] else text
    sha = entry["commit_sha"]
    return DigestChange(
        id=entry["id"],
        english=english,
        url=link(sha) if sha else None,
        components=tuple(entry.get("components") or ()),
        key=entry.get("change_key") or _key(project, english),
    )


def _item_change(
    project: str, version: str, item: dict[str, Any], link: Callable[[str], str]
) -> DigestChange:
    sha = item["commit_sha"]
    return DigestChange(
        id=store.entry_id(project, version, item["text"], item["position"]),
        english=item["text"],
        url=link(sha) if sha else None,
        key=item.get("change_key") or _key(project, item["text"]),
    )


def _commit_change(
    project: str, commit: dict[str, Any], link: Callable[[str], str]
) -> DigestChange:
    return DigestChange(
        id=commit["sha"][:12],
        english=commit["subject"],
        url=link(commit["sha"]),
        components=tuple(commit.get("components") or ()),
        key=commit["change_key"],
    )


def _key(project: str, english: str) -> str:
    return f"{project}:{' '.join(english.lower().split())}"


def _translated(sections: list[ReleaseSection], translate: Translate) -> list[ReleaseSection]:
    """The sections with each change's Japanese, state and origin filled in (one batch)."""
    lines = [c.english for s in sections for c in s.changes]
    results = iter(translate(lines) if lines else [])
    return [
        replace(
            section,
            changes=tuple(
                replace(c, japanese=r.text, state=r.state, origin=r.origin)
                for c, r in zip(section.changes, results, strict=False)
            ),
        )
        for section in sections
    ]


def _release_name(name: str, version: str) -> str:
    """The name a release is called by: "Pacemaker 1.0" + "1.0.12" is "Pacemaker 1.0.12"."""
    match = re.fullmatch(r"(.*\S)\s+(\d+(?:\.\d+)*)", name)
    if match and (version == match.group(2) or version.startswith(match.group(2) + ".")):
        return match.group(1)
    return name


def _web_link(url: str | None) -> str | None:
    """Only http(s) URLs are linked from a post (digest.draft.links, the one link writer)."""
    return safe_url(url)


def _changelog_url(template: str | None, release: dict[str, Any]) -> str | None:
    path = release.get("changelog_path")
    if not template or not path:
        return None
    return safe_url(template.format(ref=release.get("tag") or release["commit_sha"], path=path))


def _front_matter(settings: dict[str, Any], month: str) -> dict[str, Any]:
    year, mon = (int(p) for p in month.split("-"))
    issue = date(year + mon // 12, mon % 12 + 1, 1)
    day = min(int(settings["day"]), calendar.monthrange(issue.year, issue.month)[1])
    names = {
        "issue_month": issue.month,
        "issue_year": issue.year,
        "issue_month_name": calendar.month_name[issue.month].lower(),
        "month": month,
    }
    return {
        "layout": settings["layout"],
        "title": settings["title"].format(**names),
        "date": f"{issue.year:04d}-{issue.month:02d}-{day:02d} 09:00:00+09:00",
        "author": settings["author"],
        "slug": settings["slug"].format(**names),
        "categories": list(settings["categories"]),
        "tags": list(settings["tags"]),
        "digest_month": month,
    }
