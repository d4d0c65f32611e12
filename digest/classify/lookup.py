"""`digest classify --explain`: a stored commit (by sha prefix) or a line of text, explained."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlite_utils import Database

from digest import store
from digest.classify.rules import explain
from digest.classify.tickets import repo_url_from_commit_url
from digest.config import Config
from digest.errors import DigestError

_SHA = re.compile(r"[0-9a-fA-F]{7,40}")


@dataclass
class Explanation:
    """What --explain prints: a heading, the rule lines, and notes for stderr."""

    heading: str
    lines: list[str]
    notes: list[str] = field(default_factory=list)


def explain_subject(
    config: Config, db: Database, subject: str, project: str | None = None
) -> Explanation:
    """How a stored commit (sha or unique prefix) or a line of text is classified."""
    matches = store.find_commits(db, subject, project) if _SHA.fullmatch(subject) else []
    if len(matches) > 1:
        names = ", ".join(f"{m['project']}:{m['sha'][:12]}" for m in matches)
        raise DigestError(f"commit '{subject}' is ambiguous: {names}")
    notes = []
    if matches:
        row = matches[0]
        text = f"{row['subject']}\n\n{row['body']}" if row["body"] else row["subject"]
        project, date, paths = row["project"], row["author_date"], row["paths"]
        heading = f"commit {project}:{row['sha']} ({date[:10]})  {row['subject']}"
    else:
        project = project or config.projects[0].id
        text, date, paths = subject, None, []
        if _SHA.fullmatch(subject):
            notes.append(f"no stored commit starts with {subject}; reading it as text")
        heading = f"text ({project}): {subject}"
    repo = repo_url_from_commit_url(config.project(project).commit_url)
    return Explanation(heading, explain(project, text, paths, date=date, repo_url=repo), notes)
