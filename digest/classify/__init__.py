"""Tag changes with component(s), severity, kind and ticket links, driven by data/*.yaml.

`rules` classifies one change (pure); this module classifies what the store holds, only what
changed since the last run, and lists the taxonomy with counts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import Any

from digest import store
from digest.classify.rules import (
    DEFAULT_KIND,
    OTHER,
    RULES_VERSION,
    Classification,
    classify,
    explain,
    parse_prefix,
    path_scores,
    strip_prefix,
)
from digest.classify.tickets import LINKS_FILE, Ticket, repo_url_from_commit_url
from digest.errors import StoreError
from digest.fetch.classifying import CommitText
from digest.fetch.workers import in_two
from digest.models import split_message
from digest.store.commits import Classes
from digest.taxonomy import COMPONENTS_FILE, Alias, load_taxonomy

__all__ = [
    "DEFAULT_KIND",
    "OTHER",
    "Classification",
    "ClassifySummary",
    "Ticket",
    "classify",
    "classify_store",
    "commit_classes",
    "explain",
    "mark_classified",
    "parse_prefix",
    "path_scores",
    "repo_url_from_commit_url",
    "strip_prefix",
    "taxonomy_rows",
]


@dataclass(frozen=True)
class ClassifySummary:
    """What one `digest classify` run did."""

    projects: tuple[str, ...]
    commits: int
    entries: int
    changed: int
    full: bool

    def counting(self, arrived: int) -> ClassifySummary:
        """Also counting the commits stored classified as they arrived (a full redo has them)."""
        return self if self.full else replace(self, commits=self.commits + arrived)

    def line(self) -> str:
        """One summary line for the CLI."""
        scope = "all" if self.full else "new"
        return (
            f"classified {self.commits} {scope} commits and {self.entries} ChangeLog entries "
            f"of {len(self.projects)} projects; {self.changed} changed"
        )


def fingerprint() -> str:
    """Identity of the rules in force: the data files and the rules version."""
    digest = hashlib.sha1(RULES_VERSION.encode())
    for file in (COMPONENTS_FILE, LINKS_FILE):
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def classify_store(
    db: Any,
    projects: Sequence[str] = (),
    *,
    full: bool = False,
    report: Callable[[str], None] | None = None,
) -> ClassifySummary:
    """(Re)classify stored commits and ChangeLog entries; only new ones unless rules changed."""
    known = store.classify_projects(db)
    chosen = list(projects) or list(known)
    for project in chosen:
        if project not in known:
            raise StoreError(f"project '{project}' has nothing stored yet (run `digest fetch`)")
    stamp = fingerprint()
    commits = entries = changed = 0
    redone = True
    for project in chosen:
        state = store.get_state(db, f"classify:{project}")
        redo = full or (state.get("cursor") or {}).get("fingerprint") != stamp
        redone &= redo
        if report:
            report(f"classifying {project}")
        repo = repo_url_from_commit_url(known[project])
        n, c = _classify_commits(db, project, repo, only_new=not redo)
        m, d = _classify_entries(db, project, repo, only_new=not redo)
        commits, entries, changed = commits + n, entries + m, changed + c + d
        store.set_state(db, f"classify:{project}", cursor={"fingerprint": stamp})
    return ClassifySummary(tuple(chosen), commits, entries, changed, redone and bool(chosen))


def encode(result: Classification) -> Classes:
    """A classification as stored: JSON component and ticket lists."""
    tickets = [{"label": t.label, "url": t.url} for t in result.tickets]
    return (
        _components_json(result.components),
        result.severity,
        result.kind,
        json.dumps(tickets, ensure_ascii=False) if tickets else "[]",
        result.rule,
    )


@lru_cache(maxsize=4096)
def _components_json(components: tuple[str, ...]) -> str:
    """Components as stored (few distinct lists: each is encoded once)."""
    return json.dumps(list(components))


def _classify_commits(
    db: Any, project: str, repo: str | None, *, only_new: bool
) -> tuple[int, int]:
    """Classify the project's commits on both cores (pure work; this process writes)."""
    rows: list[dict[str, Any]] = []
    while page := store.commits_to_classify(
        db, project, after=rows[-1]["sha"] if rows else "", only_new=only_new
    ):
        rows += page
    changed = 0
    with in_two(partial(_changed_commits, project, repo), rows) as parts:
        for updates in parts:
            changed += store.save_commit_classes(db, project, updates)
    return len(rows), changed


def _changed_commits(
    project: str, repo: str | None, rows: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """(sha, classification) of each row whose stored classification differs."""
    updates = []
    for row in rows:
        values = _commit_classes(
            project, repo, row["subject"], row["body"], row["paths"], row["author_date"]
        )
        current = (row["components"], row["severity"], row["kind"], row["tickets"], row["rule"])
        if values != current:
            updates.append((row["sha"], *values))
    return updates


def commit_classes(project: str, commit_url: str, commits: list[CommitText]) -> list[Classes]:
    """The stored classes of commits given as (message, touched paths, author date).

    `digest fetch` calls it (in a child process) to store new commits classified.
    """
    repo = repo_url_from_commit_url(commit_url)
    return [
        _commit_classes(project, repo, *split_message(message), paths, date)
        for message, paths, date in commits
    ]


def _commit_classes(
    project: str, repo: str | None, subject: str, body: str, paths: list[str], date: str
) -> Classes:
    text = f"{subject}\n\n{body}" if body else subject
    return encode(classify(project, text, paths, date=date, repo_url=repo))


def mark_classified(db: Any, projects: Sequence[str]) -> None:
    """Record that the stored commits of these projects were classified by the rules in force.

    For projects whose every commit was stored classified (a first fetch with `commit_classes`),
    so that classifying them again finds nothing to redo.
    """
    stamp = fingerprint()
    for project in projects:
        store.set_state(db, f"classify:{project}", cursor={"fingerprint": stamp})


def _classify_entries(
    db: Any, project: str, repo: str | None, *, only_new: bool
) -> tuple[int, int]:
    rows = store.entries_to_classify(db, project, only_new=only_new)
    updates = []
    for row in rows:
        result = classify(
            project,
            row["raw"],
            row["paths"],
            date=row["date"],
            repo_url=repo,
            section=row["category"],
        )
        values = encode(result)
        if row["severity"]:
            values = (values[0], row["severity"], *values[2:])
        current = (row["components"], row["severity"], row["kind"], row["tickets"], row["rule"])
        if values != current:
            updates.append((row["id"], *values))
    return len(rows), store.save_entry_classes(db, updates)


def taxonomy_rows(counts: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """The taxonomy in file order with stored counts (any position / first), then "other"."""
    tax = load_taxonomy()
    rows = [
        _taxonomy_row(c.name, c.title, c.core, c.parent, c.aliases[1:], counts.get(c.name, {}))
        for c in tax.components.values()
    ]
    rows.append(_taxonomy_row(OTHER, "no rule decided", False, None, (), counts.get(OTHER, {})))
    return rows


def _taxonomy_row(
    name: str,
    title: str,
    core: bool,
    parent: str | None,
    aliases: Sequence[Alias],
    counts: dict[str, int],
) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "core": core,
        "parent": parent,
        "aliases": [_alias_json(a) for a in aliases],
        "commits": counts.get("commits", 0),
        "commits_first": counts.get("commits_first", counts.get("commits", 0)),
        "entries": counts.get("entries", 0),
        "entries_first": counts.get("entries_first", counts.get("entries", 0)),
    }


def _alias_json(alias: Alias) -> dict[str, Any] | str:
    limits = {"since": alias.since, "until": alias.until, "projects": list(alias.projects)}
    limits = {k: v for k, v in limits.items() if v}
    return {"name": alias.name, **limits} if limits else alias.name
