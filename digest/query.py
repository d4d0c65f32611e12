"""Read-side reports: `query`, `releases`, `stats`, `messages`, `components`, `tm stats`.

Each report is rows (for JSON), a plain table with a header row and one summary line. Names
given on the command line (project, source, list, component, version) are checked against
what is configured or stored; an unknown one is an error listing the known ones.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlite_utils import Database

from digest import store
from digest.config import Config
from digest.errors import DigestError
from digest.store import ChangeFilter
from digest.taxonomy import load_taxonomy
from digest.translate.lines import tm_key

COLUMNS = (
    "project",
    "date",
    "release",
    "components",
    "severity",
    "kind",
    "english",
    "japanese",
    "url",
    "tickets",
)


STORE_EMPTY = "none stored yet; run `digest fetch`"


class UnknownNameError(DigestError):
    """A name given on the command line that nothing configured or stored carries."""

    def __init__(
        self, what: str, name: str, known: Iterable[str], option: str, empty: str = "none"
    ) -> None:
        names = list(known)
        listed = ", ".join(names) if names else empty
        super().__init__(f"unknown {what} '{name}' (known: {listed})")
        self.option = option


def check_names(
    what: str, given: Iterable[str], known: Sequence[str], option: str, empty: str = "none"
) -> None:
    """Refuse the first name not in `known`, listing the known ones (or saying `empty`)."""
    for name in given:
        if name not in known:
            raise UnknownNameError(what, name, known, option, empty)


def check_projects(config: Config, projects: Iterable[str], option: str = "--project") -> None:
    """Every project id given is configured."""
    check_names("project", projects, [p.id for p in config.projects], option)


def check_sources(config: Config, sources: Iterable[str]) -> None:
    """Every source id given is a configured git source, list or feed."""
    known = [s.id for s in config.git_sources()] + [x.id for x in config.lists + config.feeds]
    check_names("source", sources, known, "--source")


@dataclass
class Report:
    """What a read command prints: rows for JSON, a plain table, one summary line."""

    rows: list[dict[str, Any]]
    table: list[str]
    summary: str

    def text(self, fmt: str) -> str:
        """The report as `table` or `json`."""
        if fmt == "json":
            return json.dumps(self.rows, ensure_ascii=False, indent=2)
        return "\n".join(self.table)


def format_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """Aligned columns under a header row (the last column is not padded); empty when no rows."""
    cells = [[_text(v) for v in row] for row in rows]
    if not cells:
        return []
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = []
    for row in [list(headers), *cells]:
        padded = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=False)] + [row[-1]]
        lines.append("  ".join(padded).rstrip())
    return lines


def _text(value: Any) -> str:
    return "-" if value is None or value == "" else " ".join(str(value).split())


def _filters(options: dict[str, Any]) -> str:
    """The options given, as the user typed them: `--project pacemaker, --since 2011-11-01`."""
    given = []
    for key, value in options.items():
        if value:
            text = ",".join(value) if isinstance(value, list | tuple) else str(value)
            given.append(f"{key} {text}")
    return ", ".join(given) or "no filters"


# -- releases, stats, messages, components, TM -----------------------------------------------


def releases_report(
    config: Config,
    db: Database,
    *,
    projects: Sequence[str] = (),
    since: str | None = None,
    version: str | None = None,
    entries: bool = False,
) -> Report:
    """Releases with predecessor, rc flag and ChangeLog link rate (and entries)."""
    check_projects(config, projects)
    if version:
        known = store.release_versions(db, tuple(projects))
        check_names("version", [version], known, "--version", STORE_EMPTY)
    rows = store.query_releases(db, projects=list(projects), since=since, version=version)
    table = []
    changelogs = store.changelog_entries_of(db, [(r["project"], r["version"]) for r in rows])
    for row in rows:
        if entries:
            row["changelog"] = changelogs.get((row["project"], row["version"]), [])
        linked = f"{row['linked']}/{row['entries']} linked" if row["entries"] else "no ChangeLog"
        line = (
            row["project"],
            row["version"],
            row["date"][:10],
            row["commit_sha"][:10],
            "rc" if row["is_rc"] else "",
            row["previous_version"],
            linked,
        )
        table.append(line)
    headers = ("project", "version", "date", "commit", "rc", "after", "changelog")
    lines = format_table(headers, table)
    if entries and lines:
        lines = _with_entries(lines, rows)
    filters = _filters({"--project": projects, "--since": since, "--version": version})
    return Report(rows, lines, f"{len(rows)} releases ({filters})")


def _with_entries(lines: list[str], rows: list[dict[str, Any]]) -> list[str]:
    """The release table with each release's ChangeLog entries indented under it."""
    out = [lines[0], f"    #    severity commit     {'match':<20} score entry"]
    for line, row in zip(lines[1:], rows, strict=True):
        out.append(line)
        for entry in row["changelog"]:
            sha = (entry["commit_sha"] or "-")[:10]
            score = entry.get("match_score")
            shown = f"{score:.2f}" if score is not None else "-"
            out.append(
                f"    {entry['position']:>3}  {entry['severity'] or '-':<8} {sha:<10} "
                f"{entry['match_method'] or 'unmatched':<20} {shown:>4} {entry['text']}"
            )
    return out


def stats_report(db: Database) -> Report:
    """Per project: commits, duplicates, releases, ChangeLog entries and link rate."""
    rows = store.project_stats(db)
    for row in rows:
        row["link_rate"] = round(row["linked"] / row["entries"], 4) if row["entries"] else None
    table = format_table(
        ("project", "commits", "dups", "releases", "entries", "linked"),
        (
            (
                r["project"],
                r["commits"],
                r["duplicates"],
                r["releases"],
                r["entries"],
                f"{r['link_rate']:.1%}" if r["link_rate"] is not None else "-",
            )
            for r in rows
        ),
    )
    total = {k: sum(r[k] for r in rows) for k in ("commits", "releases", "entries", "linked")}
    rate = f"{total['linked'] / total['entries']:.1%}" if total["entries"] else "-"
    summary = (
        f"{len(rows)} projects: {total['commits']} commits, {total['releases']} releases, "
        f"{total['entries']} ChangeLog entries ({rate} linked)"
    )
    return Report(rows, table, summary)


def messages_report(
    config: Config,
    db: Database,
    *,
    lists: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    announcements: bool = False,
) -> Report:
    """Stored mailing-list messages; announcements with their project, version and items."""
    check_names("list", lists, [x.id for x in config.lists], "--list", "none configured")
    rows = store.query_messages(
        db, lists=list(lists), since=since, until=until, announcements=announcements
    )
    items = store.announcement_items_of(db, [r["message_id"] for r in rows if r["project"]])
    for row in rows:
        if row["project"]:
            row["items"] = items.get(row["message_id"], [])
    table = format_table(
        ("date", "list", "sender", "subject"),
        (
            (
                r["date"][:10],
                r["list"],
                r["sender"].split(" <", 1)[0][:22],
                r["subject"] + (f"  [{r['project']} {r['version']}]" if r["project"] else ""),
            )
            for r in rows
        ),
    )
    shown = sum(1 for row in rows if row["project"])
    return Report(
        [_message_json(row) for row in rows], table, f"{len(rows)} messages, {shown} announcements"
    )


def _message_json(row: dict[str, Any]) -> dict[str, Any]:
    """The JSON shape of one message: ids, where and when, and for announcements the release."""
    keys = ("message_id", "list", "date", "sender", "subject", "url", "thread")
    data = {key: row[key] for key in keys}
    if row["project"]:
        data.update(project=row["project"], version=row["version"], items=row["items"])
    return data


def components_report(config: Config, db: Database, project: str | None = None) -> Report:
    """The component taxonomy with how many stored changes carry each component."""
    from digest.classify import taxonomy_rows

    check_projects(config, [project] if project else [])
    rows = taxonomy_rows(store.component_counts(db, project))
    table = format_table(
        ("component", "core", "commits", "entries", "title"),
        (
            (r["name"], "*" if r["core"] else "", r["commits"], r["entries"], r["title"])
            for r in rows
        ),
    )
    tagged = sum(row["commits_first"] for row in rows if row["name"] != "other")
    summary = f"{len(rows) - 1} components; {tagged} commits tagged, {rows[-1]['commits']} other"
    return Report(rows, table, summary)


def tm_stats_report(db: Database) -> Report:
    """TM rows per language, origin and state."""
    rows = store.translation_stats(db)
    table = format_table(
        ("lang", "origin", "state", "count"),
        ((r["lang"], r["origin"], r["state"], r["count"]) for r in rows),
    )
    return Report(rows, table, f"{sum(r['count'] for r in rows)} translations")


# -- query -----------------------------------------------------------------------------------


@dataclass
class QueryReport:
    """The changes a query matched (up to its limit), how many in all, and the filters."""

    rows: list[dict[str, Any]]
    total: int
    limit: int
    filters: str
    headers: tuple[str, ...] = field(
        default=("date", "project", "release", "components", "sev", "commit", "change")
    )

    @property
    def summary(self) -> str:
        """`0 changes match (...)`, `N changes match (...)` or `N of M shown (--limit N)`."""
        if self.total > len(self.rows):
            return f"{len(self.rows)} of {self.total} shown (--limit {self.limit}; {self.filters})"
        return f"{self.total} changes match ({self.filters})"


def resolve_components(names: list[str]) -> tuple[str, ...]:
    """Canonical component ids for names given in any era's spelling (pengine, fencer, ...)."""
    taxonomy = load_taxonomy()
    found: list[str] = []
    for name in names:
        if name in taxonomy.components:
            found.append(name)
            continue
        aliases = taxonomy.aliases(name, None, None)
        if not aliases:
            raise UnknownNameError("component", name, sorted(taxonomy.components), "--component")
        found.extend(dict.fromkeys(a.component for a in aliases))
    return tuple(dict.fromkeys(found))


def query_report(
    config: Config, db: Database, components: Sequence[str], wanted: ChangeFilter
) -> QueryReport:
    """Check the names given, bring the search index up to date, run the query and count."""
    check_projects(config, wanted.projects)
    versions = store.release_versions(db, wanted.projects)
    if wanted.kind:
        check_names("kind", [wanted.kind], store.stored_kinds(db), "--kind", STORE_EMPTY)
    for option, value in (("--release", wanted.release), ("--since-release", wanted.since_release)):
        check_names("release", [value] if value else [], versions, option, STORE_EMPTY)
    query = replace(wanted, components=resolve_components(list(components)))
    store.sync_search(db, tm_key)
    rows = store.query_changes(db, query)
    total = max(store.count_changes(db, query), len(rows))
    options = {
        "--project": wanted.projects,
        "--component": tuple(components),
        "--severity": wanted.severity,
        "--kind": wanted.kind,
        "--release": wanted.release,
        "--since-release": wanted.since_release,
        "--since": wanted.since,
        "--until": wanted.until,
        "--text": wanted.text,
    }
    return QueryReport(rows, total, wanted.limit, _filters(options))


def run_query(db: Database, query: ChangeFilter) -> list[dict[str, Any]]:
    """Bring the search index up to date, then run the query (no name checks)."""
    store.sync_search(db, tm_key)
    return store.query_changes(db, query)


def render_rows(rows: list[dict[str, Any]], fmt: str) -> str:
    """Rows as json, csv or markdown text (each with the full commit URL)."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    flat = [_flat(row) for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(flat)
        return out.getvalue().rstrip("\n")
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_cell(row[c]) for c in COLUMNS) + " |" for row in flat]
    return "\n".join(lines)


def plain_table(rows: list[dict[str, Any]]) -> str:
    """A header row, then one line per change (Japanese on the next line), for pipes and mail."""
    out = []
    for row in map(_flat, rows):
        out.append(
            f"{row['date']}  {row['project']:<13} {row['release'] or '-':<10} "
            f"{row['components'] or '-':<12} {row['severity'] or '-':<6} "
            f"{row['sha'][:10]:<10} {row['english']}"
        )
        if row["japanese"]:
            out.append(f"{'':>12}{row['japanese']}")
    if out:
        header = (
            f"{'date':<10}  {'project':<13} {'release':<10} {'components':<12} {'sev':<6} "
            f"{'commit':<10} change"
        )
        out.insert(0, header)
    return "\n".join(out)


def rich_table(rows: list[dict[str, Any]]) -> Any:
    """A rich Table for a terminal: the short sha is an OSC 8 hyperlink to the commit."""
    from rich.style import Style
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False)
    for name in QueryReport.__dataclass_fields__["headers"].default:
        table.add_column(name)
    for row in rows:
        change = row["english"] + (f"\n{row['japanese']}" if row["japanese"] else "")
        sha = Text(row["sha"][:10], style=Style(link=row["url"]) if row["url"] else "")
        table.add_row(
            row["date"],
            row["project"],
            row["release"] or "-",
            ",".join(row["components"] or []),
            row["severity"] or "-",
            sha,
            Text(change),
        )
    return table


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    tickets = " ".join(t["url"] for t in row.get("tickets") or [])
    return {**row, "components": ",".join(row.get("components") or []), "tickets": tickets}


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")
