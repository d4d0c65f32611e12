"""Write site files only when their content changed; remove what an earlier build left behind.

Each file's new content is hashed and compared with the file on disk before writing, so a
rebuild touches (and changes the mtime of) only the files whose content differs. The manifest
`.digest-site.json` lists what the last build wrote; files listed there but not produced again
are removed. Files digest did not write are never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from digest.errors import DigestError
from digest.site.paths import inside

MANIFEST = ".digest-site.json"


@dataclass
class WriteReport:
    """What a build did to the output directory."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class SiteWriter:
    """Writes files under out_dir, skipping identical content; `finish()` cleans up."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.report = WriteReport()
        self._hashes: dict[str, str] = {}
        self._previous = _read_manifest(out_dir / MANIFEST)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DigestError(f"site: cannot create {out_dir}: {exc}") from exc

    def write(self, site_path: str, content: str | bytes) -> None:
        """Write one file (UTF-8 for text) unless it already holds exactly this content."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        digest = hashlib.sha256(data).hexdigest()
        if site_path in self._hashes:
            raise DigestError(f"site: two pages would be written to '{site_path}'")
        self._hashes[site_path] = digest
        target = inside(self.out_dir, site_path)
        if _file_hash(target) == digest:
            self.report.unchanged.append(site_path)
            return
        _atomic_write(target, data)
        self.report.written.append(site_path)

    def finish(self) -> WriteReport:
        """Remove files of the previous build not written now; save the manifest."""
        for site_path in sorted(set(self._previous) - set(self._hashes)):
            try:
                target = inside(self.out_dir, site_path)
            except DigestError:
                continue
            if target.is_file():
                target.unlink()
                self.report.removed.append(site_path)
                _prune_dirs(target.parent, self.out_dir)
        manifest = json.dumps({"files": dict(sorted(self._hashes.items()))}, indent=1)
        path = self.out_dir / MANIFEST
        if not path.exists() or path.read_text(encoding="utf-8") != manifest + "\n":
            _atomic_write(path, (manifest + "\n").encode())
        return self.report


def _read_manifest(path: Path) -> dict[str, str]:
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _atomic_write(target: Path, data: bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        raise DigestError(f"site: cannot write {target}: {exc}") from exc


def _prune_dirs(directory: Path, top: Path) -> None:
    while directory != top and directory.is_relative_to(top):
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent
