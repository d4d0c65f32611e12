"""Output paths derived safely from names, and relative links between pages."""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from pathlib import Path

from digest.errors import DigestError

_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_EDGES = "-._"
MAX_SLUG = 80


def slugify(text: str) -> str:
    """A file-name-safe slug: lower-case ASCII letters, digits, '.', '_' and '-' only.

    Slashes, dots at either end and everything else are replaced, so a slug can never be
    '.', '..' or a path; a name with nothing usable left becomes 'x-<hash>'.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    slug = _UNSAFE.sub("-", folded).strip(_EDGES)
    slug = re.sub(r"-{2,}", "-", slug)[:MAX_SLUG].strip(_EDGES)
    if not slug:
        slug = "x-" + hashlib.sha1(text.encode()).hexdigest()[:10]
    return slug


class Slugs:
    """Slugs unique within one namespace: a second name with the same slug gets a hash suffix."""

    def __init__(self, reserved: set[str] | frozenset[str] = frozenset()) -> None:
        self._reserved = set(reserved)
        self._by_slug: dict[str, str] = {}
        self._by_name: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        """The slug of a name (the same name always gets the same slug)."""
        if name in self._by_name:
            return self._by_name[name]
        slug = slugify(name)
        if slug in self._reserved or self._by_slug.get(slug, name) != name:
            slug = f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
        self._by_slug[slug] = name
        self._by_name[name] = slug
        return slug


def relative(from_page: str, target: str) -> str:
    """The link from one site path to another (both relative to the site root, '/'-separated)."""
    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


def inside(out_dir: Path, site_path: str) -> Path:
    """The file a site path names under out_dir; refuses anything that would leave it."""
    parts = site_path.split("/")
    if "\\" in site_path or any(p in ("", ".", "..") for p in parts):
        raise DigestError(f"site: refusing unsafe output path '{site_path}'")
    target = out_dir.joinpath(*parts)
    if not target.resolve().is_relative_to(out_dir.resolve()):
        raise DigestError(f"site: output path '{site_path}' leaves {out_dir}")
    return target
