"""Release scoping: the month a post digests; an rc's lines its final repeats listed once."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from digest.posts import Post

if TYPE_CHECKING:
    from digest.site.data import Change


def digest_month(post: Post) -> str:
    """The front matter's digest_month, else the month before publication (posted early on)."""
    if post.digest_month:
        return post.digest_month
    year, month = int(post.month[:4]), int(post.month[5:7])
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


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
