"""Cross-references a commit message cites: its Mercurial revision, the commit it backports."""

from __future__ import annotations

import re

_HG_REV = re.compile(r"^Mercurial revision:\s*([0-9a-f]{12,40})\s*$", re.M)
_BACKPORT = re.compile(r"\((?:transplanted from|cherry picked from commit)\s+([0-9a-f]{7,40})\)")


def cross_references(message: str) -> tuple[str | None, str | None]:
    """The Mercurial revision and the original sha of a transplant/cherry-pick, if cited."""
    hg = _HG_REV.search(message)
    backport = _BACKPORT.search(message)
    return (hg.group(1) if hg else None, backport.group(1) if backport else None)
