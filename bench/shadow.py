"""A store fetched from shadow repositories of the real upstreams, for the benchmarks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TOOL = SHARED / "tools" / "make-shadow-repo"


def fetched_store(work: Path, projects: list[str] | None = None) -> Path:
    """Build shadow repositories of the shipped projects (or these), point a copy of
    sources.yaml at them (no lists or feeds) and run `digest fetch`; returns the config path.

    `digest fetch` classifies what it stored, so the store is ready for queries.
    """
    if not TOOL.exists():
        sys.exit(f"skipped: {TOOL} not found (../shared is missing)")
    doc = yaml.safe_load((ROOT / "sources.yaml").read_text(encoding="utf-8"))
    doc["settings"] = {"database": "digest.db", "cache_dir": "cache"}
    doc["lists"], doc["feeds"] = [], []
    if projects is not None:
        doc["projects"] = [p for p in doc["projects"] if p["id"] in projects]
        doc["draft"]["projects"] = [p for p in doc["draft"]["projects"] if p in projects]
    for project in doc["projects"]:
        dest = work / "upstream" / project["id"]
        subprocess.run([sys.executable, str(TOOL), project["id"], str(dest)], check=True)
        project["sources"][0]["url"] = str(dest)
    config = work / "sources.yaml"
    config.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    digest = [sys.executable, "-m", "digest", "--config", str(config), "fetch"]
    subprocess.run(digest, check=True, stdout=subprocess.DEVNULL)
    return config
