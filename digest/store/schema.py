"""The schema: every migration in one place, applied in order when the store is opened."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("digest")


@migrations()
def m001_core(db: Database) -> None:
    """Projects, fetch state, commits, files, releases and ChangeLog entries."""
    db.executescript(
        """
        CREATE TABLE projects (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, web TEXT, commit_url TEXT NOT NULL
        );
        CREATE TABLE fetch_state (
            source TEXT PRIMARY KEY, cursor TEXT, etag TEXT, last_modified TEXT,
            fetched_at TEXT, last_error TEXT
        );
        CREATE TABLE commits (
            project TEXT NOT NULL REFERENCES projects(id),
            sha TEXT NOT NULL,
            parents TEXT NOT NULL,
            author TEXT, author_email TEXT, author_date TEXT,
            committer TEXT, committer_email TEXT, commit_date TEXT,
            subject TEXT NOT NULL, body TEXT NOT NULL,
            files TEXT NOT NULL DEFAULT '[]',
            hg_rev TEXT, backport_of TEXT,
            change_key TEXT NOT NULL, duplicate_of TEXT,
            release TEXT,
            components TEXT, severity TEXT, kind TEXT, tickets TEXT, rule TEXT,
            PRIMARY KEY (project, sha)
        );
        CREATE INDEX commits_change_key ON commits(change_key);
        CREATE INDEX commits_author_date ON commits(author_date);
        CREATE INDEX commits_hg_rev ON commits(hg_rev) WHERE hg_rev IS NOT NULL;
        CREATE INDEX commits_backport_of ON commits(backport_of) WHERE backport_of IS NOT NULL;
        -- Files are written once with their commit (a JSON list of [added, deleted, path]);
        -- this view presents them as rows.
        CREATE VIEW commit_files AS
            SELECT c.project, c.sha, json_extract(f.value, '$[2]') AS path,
                json_extract(f.value, '$[0]') AS added, json_extract(f.value, '$[1]') AS deleted
            FROM commits c, json_each(c.files) f;
        CREATE TABLE releases (
            project TEXT NOT NULL REFERENCES projects(id),
            version TEXT NOT NULL,
            tag TEXT, commit_sha TEXT NOT NULL, date TEXT NOT NULL,
            is_rc INTEGER NOT NULL DEFAULT 0,
            previous_version TEXT, changelog_path TEXT, announcement TEXT,
            PRIMARY KEY (project, version)
        );
        CREATE TABLE changelog_entries (
            id TEXT PRIMARY KEY,
            project TEXT NOT NULL, version TEXT NOT NULL, position INTEGER NOT NULL,
            category TEXT, severity TEXT, raw_component TEXT, text TEXT NOT NULL,
            raw TEXT NOT NULL, commit_sha TEXT, match_method TEXT,
            components TEXT, kind TEXT, tickets TEXT, rule TEXT
        );
        CREATE INDEX changelog_entries_release ON changelog_entries(project, version, position);
        """
    )


@migrations()
def m002_news(db: Database) -> None:
    """Mailing-list messages, feed entries and the change items of release announcements."""
    db.executescript(
        """
        CREATE TABLE messages (
            list TEXT NOT NULL, message_id TEXT NOT NULL,
            subject TEXT NOT NULL, sender TEXT NOT NULL, date TEXT NOT NULL,
            in_reply_to TEXT, refs TEXT NOT NULL DEFAULT '[]', thread TEXT NOT NULL,
            body TEXT NOT NULL, url TEXT, synthetic_id INTEGER NOT NULL DEFAULT 0,
            digest TEXT NOT NULL, project TEXT, version TEXT,
            PRIMARY KEY (list, message_id)
        );
        CREATE INDEX messages_date ON messages(date);
        CREATE INDEX messages_thread ON messages(thread);
        CREATE INDEX messages_message_id ON messages(message_id);
        CREATE INDEX messages_release ON messages(project, version) WHERE project IS NOT NULL;
        CREATE TABLE feed_entries (
            feed TEXT NOT NULL, entry_id TEXT NOT NULL,
            title TEXT NOT NULL, link TEXT, published TEXT, updated TEXT,
            summary TEXT NOT NULL, digest TEXT NOT NULL, project TEXT, version TEXT,
            PRIMARY KEY (feed, entry_id)
        );
        CREATE INDEX feed_entries_published ON feed_entries(published);
        CREATE TABLE announcement_items (
            message_id TEXT NOT NULL, position INTEGER NOT NULL, text TEXT NOT NULL,
            commit_sha TEXT, match_method TEXT,
            PRIMARY KEY (message_id, position)
        );
        """
    )


@migrations()
def m003_translations(db: Database) -> None:
    """Translation memory: normalised English source + language -> text, origin and state."""
    db.executescript(
        """
        CREATE TABLE translations (
            source_norm TEXT NOT NULL, lang TEXT NOT NULL, source TEXT NOT NULL,
            text TEXT NOT NULL,
            origin TEXT NOT NULL CHECK (origin IN ('human', 'memory', 'rules', 'llm')),
            state TEXT NOT NULL CHECK (state IN ('machine', 'needs_review', 'approved')),
            match_source TEXT, score REAL, updated_at TEXT NOT NULL,
            PRIMARY KEY (source_norm, lang)
        );
        CREATE VIRTUAL TABLE translations_fts USING fts5(
            source, text, content='translations', content_rowid='rowid', tokenize='trigram'
        );
        CREATE TRIGGER translations_ai AFTER INSERT ON translations BEGIN
            INSERT INTO translations_fts (rowid, source, text)
            VALUES (new.rowid, new.source, new.text);
        END;
        CREATE TRIGGER translations_ad AFTER DELETE ON translations BEGIN
            INSERT INTO translations_fts (translations_fts, rowid, source, text)
            VALUES ('delete', old.rowid, old.source, old.text);
        END;
        CREATE TRIGGER translations_au AFTER UPDATE ON translations BEGIN
            INSERT INTO translations_fts (translations_fts, rowid, source, text)
            VALUES ('delete', old.rowid, old.source, old.text);
            INSERT INTO translations_fts (rowid, source, text)
            VALUES (new.rowid, new.source, new.text);
        END;
        """
    )


@migrations()
def m004_change_search(db: Database) -> None:
    """Full-text search over commits (trigram: English and Japanese) and TM keys on commits."""
    db.executescript(
        """
        ALTER TABLE commits ADD COLUMN tm_key TEXT;
        CREATE INDEX commits_tm_key ON commits(tm_key) WHERE tm_key IS NOT NULL;
        CREATE INDEX commits_release ON commits(project, release);
        CREATE INDEX commits_kind ON commits(kind, severity);
        CREATE VIRTUAL TABLE commits_fts USING fts5(
            subject, body, content='commits', content_rowid='rowid', tokenize='trigram'
        );
        """
    )


# Component shown in one column: the first of a classified change, 'other' for none.
_COMPONENT = (
    "CASE WHEN {t}.components IS NULL THEN NULL WHEN {t}.components = '[]' THEN 'other' "
    "ELSE json_extract({t}.components, '$[0]') END"
)


@migrations()
def m005_datasette_views(db: Database) -> None:
    """Views for datasette: changes and ChangeLog entries with components, tickets, Japanese."""
    db.executescript(
        f"""
        ALTER TABLE changelog_entries ADD COLUMN tm_key TEXT;
        CREATE INDEX changelog_entries_tm_key ON changelog_entries(tm_key)
            WHERE tm_key IS NOT NULL;
        -- One row per change: commits that are not duplicates of another project's.
        CREATE VIEW changes AS
            SELECT c.rowid AS commit_rowid, c.project, c.sha, substr(c.author_date, 1, 10) AS date,
                c.release, {_COMPONENT.format(t="c")} AS component, c.components, c.severity,
                c.kind, c.subject AS english, t.text AS japanese, t.state AS japanese_state,
                c.tickets, replace(p.commit_url, '{{sha}}', c.sha) AS url, c.author,
                c.author_date, c.commit_date
            FROM commits c JOIN projects p ON p.id = c.project
            LEFT JOIN translations t ON t.source_norm = c.tm_key AND t.lang = 'ja'
            WHERE c.duplicate_of IS NULL;
        -- One row per ChangeLog entry, with its release date and linked commit.
        CREATE VIEW changelog AS
            SELECT e.id, e.project, e.version AS release, r.date AS release_date, e.position,
                {_COMPONENT.format(t="e")} AS component, e.components, e.severity, e.kind,
                e.raw AS english, t.text AS japanese, t.state AS japanese_state, e.tickets,
                e.commit_sha, e.match_method,
                CASE WHEN e.commit_sha IS NOT NULL
                    THEN replace(p.commit_url, '{{sha}}', e.commit_sha) END AS url
            FROM changelog_entries e
            JOIN releases r ON r.project = e.project AND r.version = e.version
            JOIN projects p ON p.id = e.project
            LEFT JOIN translations t ON t.source_norm = e.tm_key AND t.lang = 'ja';
        """
    )


@migrations()
def m006_entry_link_score(db: Database) -> None:
    """How sure each ChangeLog link is; stored sections are read and linked again next fetch."""
    db.executescript(
        """
        ALTER TABLE changelog_entries ADD COLUMN match_score REAL;
        UPDATE releases SET changelog_path = NULL;
        """
    )


@migrations()
def m007_tm_terms(db: Database) -> None:
    """Term and phrase translations aligned from TM pairs, with counts, examples and state."""
    db.executescript(
        """
        CREATE TABLE tm_terms (
            term TEXT NOT NULL, lang TEXT NOT NULL, ja TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 0, example_source TEXT, example_text TEXT,
            state TEXT NOT NULL DEFAULT 'candidate', updated_at TEXT,
            PRIMARY KEY (term, lang, ja)
        );
        """
    )


@migrations()
def m008_relink_entries(db: Database) -> None:
    """Linking asks for more evidence (issue 12, round 2): sections are linked again next fetch."""
    db.execute("UPDATE releases SET changelog_path = NULL")


@migrations()
def m009_relink_by_bodies(db: Database) -> None:
    """Commit bodies are linking evidence (issue 12, round 3): sections are linked again."""
    db.execute("UPDATE releases SET changelog_path = NULL")


@migrations()
def m010_relink_by_pull_commits(db: Database) -> None:
    """Pull requests are read as the sum of their commits (issue 12, round 5): sections are
    linked again next fetch."""
    db.execute("UPDATE releases SET changelog_path = NULL")
