"""Releases: versions from tags and release commits, their order and predecessors."""

from __future__ import annotations

import re
from collections.abc import Iterable

from digest.config import GitSource
from digest.models import Release
from digest.sources.git import Ref

_PART = re.compile(r"\d+|[a-z]+", re.I)
_PRE = re.compile(r"(?:-|\s)?(rc|pre|beta|alpha)\.?\s*\d*[a-z]?$", re.I)


def version_key(version: str) -> tuple[object, ...]:
    """Sort key: numeric parts compare as numbers, pre-releases sort before their final."""
    match = _PRE.search(version)
    base = version[: match.start()] if match else version
    numbers = tuple(int(p) for p in re.findall(r"\d+", base))
    if not match:
        return (numbers, 1, ())
    tag = match.group(0).lstrip("- ").lower()
    return (numbers, 0, tuple(int(p) if p.isdigit() else p for p in _PART.findall(tag)))


def is_prerelease(version: str) -> bool:
    """True for rc/pre/beta/alpha versions."""
    return bool(_PRE.search(version))


def final_of(version: str) -> str:
    """The final version a pre-release leads to (1.1.14-rc3 -> 1.1.14)."""
    match = _PRE.search(version)
    return version[: match.start()] if match else version


def series_of(version: str) -> tuple[int, ...]:
    """major.minor of a version, the series a release belongs to."""
    return tuple(int(p) for p in re.findall(r"\d+", final_of(version))[:2])


def releases_from_refs(source: GitSource, refs: Iterable[Ref]) -> list[Release]:
    """Releases named by tags matching the source's release_tags pattern."""
    if source.release_tags is None:
        return []
    found = []
    for ref in refs:
        match = source.release_tags.match(ref.short) if ref.is_tag else None
        if match:
            version = match.group("version")
            found.append(
                Release(
                    project=source.project,
                    version=version,
                    commit=ref.commit,
                    date=ref.tagger_date or ref.commit_date,
                    tag=ref.short,
                    is_rc=is_prerelease(version),
                )
            )
    return found


def releases_from_commits(
    source: GitSource, commits: Iterable[tuple[str, str, str]]
) -> list[Release]:
    """Releases marked by commits titled like `release 1.1.0` (sha, subject, commit date)."""
    if source.release_commits is None:
        return []
    newest: dict[str, Release] = {}
    for sha, subject, date in commits:
        match = source.release_commits.match(subject)
        if not match:
            continue
        version = match.group("version")
        if version not in newest or date > newest[version].date:
            newest[version] = Release(
                source.project, version, sha, date, None, is_prerelease(version)
            )
    return list(newest.values())


def merge_releases(tagged: list[Release], from_commits: list[Release]) -> list[Release]:
    """Tags win over release commits for the same version; sorted by version."""
    by_version = {r.version: r for r in from_commits}
    by_version.update({r.version: r for r in tagged})
    return sorted(by_version.values(), key=lambda r: version_key(r.version))


def predecessors(releases: list[Release]) -> dict[str, str | None]:
    """Each release's predecessor: the previous one on its series, else the last final before.

    A final release follows the previous final (1.1.14 follows 1.1.13, not 1.1.14-rc5); a
    pre-release follows whatever release precedes it in version order.
    """
    result: dict[str, str | None] = {}
    last_in_series: dict[tuple[int, ...], Release] = {}
    last_final_in_series: dict[tuple[int, ...], Release] = {}
    last_final: Release | None = None
    for release in sorted(releases, key=lambda r: version_key(r.version)):
        series = series_of(release.version)
        same = last_final_in_series if not release.is_rc else last_in_series
        pick = same.get(series) or last_final
        result[release.version] = pick.version if pick else None
        last_in_series[series] = release
        if not release.is_rc:
            last_final_in_series[series] = last_final = release
    return result
