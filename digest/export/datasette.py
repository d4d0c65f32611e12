"""datasette metadata for the store: descriptions, facets, full-text search, canned queries.

`datasette var/digest.db -m var/metadata.yml` then browses the store with the views of
migration m005 (`changes`, `changelog`) faceted by project, component, severity, kind and
release, searchable through the FTS5 tables of migrations m003/m004.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlite_utils import Database

from digest import store
from digest.errors import DigestError
from digest.translate.lines import tm_key

FACETS = ["project", "component", "severity", "kind", "release"]

_CHANGE_COLUMNS = {
    "project": "Project id (sources.yaml)",
    "release": "First release containing the change (empty: not released yet)",
    "component": "Main component ('other' when none matched; empty until `digest classify`)",
    "components": "Every component the change touches (JSON list), main one first",
    "severity": "High, Medium or Low, from the line's prefix",
    "kind": "fix, feature, api, dev, refactor, build, doc, test, log, merge, revert, ...",
    "english": "The English one-liner (commit subject or ChangeLog line)",
    "japanese": "Its Japanese from the translation memory (empty: not translated yet)",
    "japanese_state": "machine, needs_review or approved",
    "tickets": "Bug and pull-request links cited by the line (JSON list of {label, url})",
    "url": "The changeset on the project's web front end",
}

_CHANGES_IN_RELEASE = """
SELECT component, severity, kind, english, japanese, url, date, sha
FROM changes
WHERE project = :project AND release = :release
    AND (:component = '' OR component = :component OR EXISTS (
        SELECT 1 FROM json_each(changes.components) j WHERE j.value = :component))
ORDER BY component, date, sha
"""

_UNTRANSLATED = """
SELECT english, min(source) AS source, min(project) AS project, min(release) AS release
FROM (
    SELECT 'changelog' AS source, project, release, english FROM changelog
    WHERE substr(release_date, 1, 7) = :month AND japanese IS NULL
    UNION ALL
    SELECT 'commit', c.project, c.release, c.english FROM changes c
    JOIN releases r ON r.project = c.project AND r.version = c.release
    WHERE substr(r.date, 1, 7) = :month AND c.japanese IS NULL
)
WHERE trim(english) != ''
GROUP BY english
ORDER BY project, release, english
"""

_UNLINKED = """
SELECT project, release, release_date, position, english, component, severity, kind
FROM changelog
WHERE commit_sha IS NULL AND (:project = '' OR project = :project)
ORDER BY release_date DESC, project, position
"""


def metadata(database: str) -> dict[str, Any]:
    """The metadata document for a store opened under the name `database`."""
    return {
        "title": "digest: Linux-HA / ClusterLabs release notes",
        "description": "Commits, releases, ChangeLog entries, mail and their Japanese, "
        "as stored by digest (fetch, classify, translate).",
        "databases": {
            database: {
                "tables": _tables(),
                "queries": _queries(),
            }
        },
    }


def _tables() -> dict[str, Any]:
    return {
        "changes": {
            "description": "One row per change: commits (duplicates of another project's "
            "left out) with components, tickets and the Japanese text.",
            "facets": [*FACETS],
            "sort_desc": "author_date",  # indexed: the first page is instant
            "fts_table": "commits_fts",
            "fts_pk": "commit_rowid",
            "columns": {
                **_CHANGE_COLUMNS,
                "commit_rowid": "Row id of the commit (links the full-text index)",
                "sha": "Commit id",
                "date": "Author date (YYYY-MM-DD)",
            },
        },
        "changelog": {
            "description": "One row per ChangeLog entry with its release, the commit it "
            "was linked to, components, tickets and the Japanese text.",
            "facets": [*FACETS],
            "sort_desc": "release_date",
            "columns": {
                **_CHANGE_COLUMNS,
                "release": "Release whose ChangeLog section lists the entry",
                "release_date": "Date of that release",
                "position": "Position of the entry in its section",
                "commit_sha": "The commit the entry was linked to (empty: unlinked)",
                "match_method": "How it was linked: exact, normalised, prefix, fuzzy, ...",
            },
        },
        "commits": {
            "description": "Every stored commit (natural key project + sha).",
            "facets": ["project", "kind", "severity", "release"],
            "sort_desc": "author_date",
            "fts_table": "commits_fts",
            "fts_pk": "rowid",
            "columns": {
                "files": "JSON list of [added, deleted, path]",
                "change_key": "Author date + subject: the same change in two repositories",
                "duplicate_of": "The original of a change copied from another project",
                "hg_rev": "Mercurial revision named in the message",
                "backport_of": "Commit this one was cherry-picked or transplanted from",
                "rule": "Which classification rule decided",
                "tm_key": "Normalised subject: the translation-memory key",
            },
        },
        "releases": {
            "description": "Releases from tags (or release commits), with their predecessor.",
            "facets": ["project", "is_rc"],
            "sort_desc": "date",
        },
        "changelog_entries": {
            "description": "ChangeLog entries as parsed (see the `changelog` view).",
            "facets": ["project", "version", "match_method"],
        },
        "messages": {
            "description": "Mailing-list messages; announcements name project and version.",
            "facets": ["list", "project"],
            "sort_desc": "date",
        },
        "translations": {
            "description": "The translation memory: normalised English -> Japanese.",
            "facets": ["lang", "origin", "state"],
            "sort_desc": "updated_at",
            "fts_table": "translations_fts",
            "fts_pk": "rowid",
        },
        "feed_entries": {"description": "Atom/RSS feed entries.", "sort_desc": "published"},
        "fetch_state": {"hidden": True},
        "_sqlite_migrations": {"hidden": True},
    }


def _queries() -> dict[str, Any]:
    return {
        "changes_in_release_by_component": {
            "title": "Changes by component in a release",
            "description": "The changes first released in a version, grouped by component "
            "(component may be left empty for all).",
            "sql": _CHANGES_IN_RELEASE.strip(),
            "params": ["project", "release", "component"],
        },
        "untranslated_lines_of_month": {
            "title": "Untranslated lines of a month",
            "description": "ChangeLog lines and commit subjects of the releases dated in a "
            "month (YYYY-MM) that the translation memory has no Japanese for.",
            "sql": _UNTRANSLATED.strip(),
            "params": ["month"],
        },
        "unlinked_changelog_entries": {
            "title": "Unlinked ChangeLog entries",
            "description": "ChangeLog entries no commit was found for (project may be empty).",
            "sql": _UNLINKED.strip(),
            "params": ["project"],
        },
    }


def write_metadata(path: Path, database: str) -> None:
    """Write the metadata as YAML."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(metadata(database), allow_unicode=True, sort_keys=False, width=100)
    path.write_text(text, encoding="utf-8")


def prepare_datasette(db: Database, database: Path, out: Path | None = None) -> tuple[Path, int]:
    """Bring the search index and TM keys up to date and write the metadata beside the store.

    Returns where the metadata went and how many rows were indexed.
    """
    indexed = store.sync_search(db, tm_key) + store.sync_entry_keys(db, tm_key)
    target = out or database.parent / "metadata.yml"
    try:
        write_metadata(target, database.stem)
    except OSError as exc:
        raise DigestError(f"{target}: {exc.strerror or exc}") from exc
    return target, indexed
