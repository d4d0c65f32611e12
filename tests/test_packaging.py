"""A regular (non-editable) install carries every file of data/ and templates/."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from digest import resources

ROOT = Path(__file__).resolve().parent.parent


def test_every_data_and_template_file_is_package_data() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapped = {ROOT / path: package for package, path in setuptools["package-dir"].items()}
    missing = []
    for top, package in mapped.items():
        for file in sorted(p for p in top.rglob("*") if p.is_file()):
            sub = file.parent.relative_to(top).parts
            owner = ".".join((package, *sub))
            globs = setuptools["package-data"].get(owner, [])
            if owner not in setuptools["packages"] or not any(
                fnmatch.fnmatch(file.name, g) for g in globs
            ):
                missing.append(str(file.relative_to(ROOT)))
    assert missing == []


def test_checkout_resources_are_found() -> None:
    assert (resources.DATA_DIR / "components.yaml").is_file()
    assert (resources.TEMPLATES_DIR / "post.md.j2").is_file()
