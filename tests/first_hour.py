"""The README's first-steps block, and a sources.yaml for it with no reachable network."""

from __future__ import annotations

import re
import shlex
import socket
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def first_steps(readme: Path = ROOT / "README.md") -> list[list[str]]:
    """The commands of the README's "First steps" block, each split into arguments."""
    text = readme.read_text(encoding="utf-8")
    match = re.search(r"^### First steps\n.*?```sh\n(.*?)```", text, re.S | re.M)
    if not match:
        raise AssertionError("README.md has no '### First steps' block with a sh code block")
    lines = [line.split("#", 1)[0].strip() for line in match.group(1).splitlines()]
    return [shlex.split(line) for line in lines if line]


def refusing_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def offline_config(dest: Path, mirrors: dict[str, Path], port: int) -> Path:
    """The shipped sources.yaml with only the given projects (git urls -> local mirrors) and
    every list and feed pointing at a port that refuses."""
    doc = yaml.safe_load((ROOT / "sources.yaml").read_text(encoding="utf-8"))
    doc["projects"] = [p for p in doc["projects"] if p["id"] in mirrors]
    order = doc.get("draft", {}).get("projects")
    if order is not None:
        doc["draft"]["projects"] = [p for p in order if p in mirrors]
    for project in doc["projects"]:
        for source in project["sources"]:
            source["url"] = str(mirrors[project["id"]])
    for item in doc.get("lists", []) + doc.get("feeds", []):
        item["url"] = f"http://127.0.0.1:{port}/{item['id']}/"
        kept = [p for p in item.get("projects", []) if p in mirrors]
        item.pop("projects", None)
        if kept:
            item["projects"] = kept
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / "sources.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
