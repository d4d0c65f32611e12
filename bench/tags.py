"""List, per project, the upstream tags its release_tags pattern leaves out (and what it keeps)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.config import load_config  # noqa: E402
from digest.fetch.releases import is_prerelease  # noqa: E402

UPSTREAM = ROOT.parent / "shared" / "upstream"


def tag_report(project: str, pattern: object) -> tuple[list[str], list[str]]:
    """(kept versions, left-out tags) of one project's stored tag list."""
    tags = [t["tag"] for t in json.loads((UPSTREAM / f"{project}.tags.json").read_text())]
    kept, left = [], []
    for tag in tags:
        match = pattern.match(tag)  # type: ignore[attr-defined]
        if match:
            version = match["version"]
            kept.append(version + (" (pre)" if is_prerelease(version) else ""))
        else:
            left.append(tag)
    return kept, left


def main() -> None:
    """Print the report for every configured project with a stored tag list."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(ROOT / "sources.yaml"))
    parser.add_argument("--kept", action="store_true", help="also list the versions kept")
    args = parser.parse_args()
    if not UPSTREAM.exists():
        sys.exit(f"Error: {UPSTREAM} not found (../shared is missing)")
    for source in load_config(args.config).git_sources():
        if source.release_tags is None or not (UPSTREAM / f"{source.project}.tags.json").exists():
            continue
        kept, left = tag_report(source.project, source.release_tags)
        pre = sum(v.endswith("(pre)") for v in kept)
        print(f"{source.project}: {len(kept) + len(left)} tags, {len(kept)} releases ({pre} pre)")
        print(f"  left out ({len(left)}): {' '.join(left) or '-'}")
        if args.kept:
            print(f"  kept: {', '.join(kept)}")


if __name__ == "__main__":
    main()
