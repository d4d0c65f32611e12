"""Render a Digest as the Jekyll post (templates/post.md.j2), upstream text made inert."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import jinja2
import yaml

from digest.draft.links import markdown_link
from digest.draft.model import Digest
from digest.resources import TEMPLATES_DIR
from digest.translate.markdown import to_markdown

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")
# Liquid (Jekyll) acts on `{{` and `{%` anywhere in a post, HTML comments included; braces
# written as character references are inert to Liquid and read back as braces by Markdown/HTML.
_BRACES = {"{": "&#123;", "}": "&#125;"}
_REGION_UNSAFE = re.compile(r"[^\w.:-]")


def _no_liquid(text: str) -> str:
    """Braces as character references, so no `{{`, `{%` (or `{% endraw %}`) survives."""
    for char, entity in _BRACES.items():
        text = text.replace(char, entity)
    return text


def escape_prose(text: str) -> str:
    """Generated Japanese as Markdown the reader sees verbatim: no links, no raw HTML, no
    entities but braces (digest.translate.markdown), inert to Liquid."""
    return _no_liquid(to_markdown(text))


def escape_markdown(text: str) -> str:
    """Untrusted text made inert in Markdown and Liquid: specials escaped, no raw HTML."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _no_liquid(_ENTITY_START.sub(r"\\&", text))


_ENTITY_START = re.compile(r"&(?=#?\w+;)")


def region_name(project: str, version: str) -> str:
    """The editor region of a release section: `release-PROJECT-VERSION`, inert characters."""
    return _REGION_UNSAFE.sub("_", f"release-{project}-{version}")


def render_post(digest: Digest, editor: dict[str, str] | None = None) -> str:
    """The Jekyll post for a digest; editor regions default to placeholders."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        md=escape_markdown,
        prose=escape_prose,
        attr=_attr,
        yaml=_yaml_scalar,
        checksum=checksum,
        link=markdown_link,
        region=lambda section: region_name(section.project, section.version),
    )
    regions = {**default_editor_text(digest), **(editor or {})}
    return env.get_template("post.md.j2").render(digest=digest, editor=regions)


def default_editor_text(digest: Digest) -> dict[str, str]:
    """Placeholders for the parts the editor writes (intro, news notes, Q&A, closing)."""
    highlights = "\n".join(
        f"  * {escape_markdown(s.project_name)} {escape_markdown(s.version)}のリリース"
        for s in digest.releases
    )
    intro = "今月もリリース情報と知恵袋です。"
    if highlights:
        intro += f"\n\nリリース情報の大きな目玉は下記{len(digest.releases)}点です。\n\n{highlights}"
    regions = {
        "intro": intro + "\n\n知恵袋では（今月の話題をここに書いてください）。",
        "news": "",
        "qa": "**質問(1)**\n（ここに質問と回答を書いてください）",
        "closing": "では、今月はこれにてどろん！",
    }
    for section in digest.releases:
        regions[region_name(section.project, section.version)] = ""
    return regions


def checksum(text: str) -> str:
    """Short fingerprint of generated text, to tell later whether the editor changed it."""
    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()[:10]


def _attr(text: str) -> str:
    """A value for a hidden `key="..."` attribute in an HTML comment (read back exactly)."""
    text = " ".join(text.split()).replace("&", "&amp;").replace(">", "&gt;")
    return _no_liquid(text).replace("\\", "\\\\").replace('"', '\\"')


def _yaml_scalar(value: Any) -> str:
    return (
        yaml.safe_dump(value, allow_unicode=True, default_flow_style=True)
        .strip()
        .removesuffix("\n...")
    )
