"""Japanese verb conjugation and joining for the rules engine (suru, godan and ichidan verbs)."""

from __future__ import annotations

import re

_ROWS = {
    "う": "わいうえお",
    "く": "かきくけこ",
    "ぐ": "がぎぐげご",
    "す": "さしすせそ",
    "つ": "たちつてと",
    "ぬ": "なにぬねの",
    "ぶ": "ばびぶべぼ",
    "む": "まみむめも",
    "る": "らりるれろ",
}
_PAST = {"う": "った", "つ": "った", "る": "った", "む": "んだ", "ぶ": "んだ", "ぬ": "んだ"}
_PAST |= {"く": "いた", "ぐ": "いだ", "す": "した"}
_ASCII_END = re.compile(r"[A-Za-z0-9_)\]\"'>.+-]$")
_ASCII_START = re.compile(r"^[A-Za-z0-9_(\[\"'<#/~.-]")
FORMS = ("dict", "neg", "pot", "passive", "polite", "past", "past_neg", "renyou", "vol")


def conjugate(verb: str, form: str, *, ichidan: bool = False) -> str:
    """Conjugate a Japanese verb in dictionary form (e.g. 修正する, 待つ, 試みる)."""
    if form == "dict":
        return verb
    if verb.endswith("する"):
        return verb[:-2] + _SURU[form]
    if verb.endswith("来る"):
        return verb[:-2] + _KURU[form]
    if ichidan:
        return verb[:-1] + _ICHIDAN[form]
    return _godan(verb, form)


_SURU = {
    "neg": "しない",
    "pot": "できる",
    "passive": "される",
    "polite": "しました",
    "past": "した",
    "past_neg": "しなかった",
    "renyou": "し",
    "vol": "しよう",
}
_KURU = {
    "neg": "来ない",
    "pot": "来られる",
    "passive": "来られる",
    "polite": "来ました",
    "past": "来た",
    "past_neg": "来なかった",
    "renyou": "来",
    "vol": "来よう",
}
_ICHIDAN = {
    "neg": "ない",
    "pot": "られる",
    "passive": "られる",
    "polite": "ました",
    "past": "た",
    "past_neg": "なかった",
    "renyou": "",
    "vol": "よう",
}


def _godan(verb: str, form: str) -> str:
    stem, last = verb[:-1], verb[-1]
    row = _ROWS.get(last)
    if row is None:
        return verb
    if form == "neg":
        return stem + row[0] + "ない"
    if form == "pot":
        return stem + row[3] + "る"
    if form == "passive":
        return stem + row[0] + "れる"
    if form == "polite":
        return stem + row[1] + "ました"
    if form == "renyou":
        return stem + row[1]
    if form == "vol":
        return stem + row[4] + "う"
    if form == "past":
        return stem + ("った" if verb == "行く" else _PAST[last])
    if form == "past_neg":
        return stem + row[0] + "なかった"
    raise ValueError(f"unknown verb form {form!r}")


def past_of(attributive: str) -> str:
    """Past predicate of an attributive adjective or phrase (以前の -> 以前だった)."""
    if attributive.endswith(("の", "な")):
        return attributive[:-1] + "だった"
    if attributive.endswith("い") and not attributive.endswith("ない"):
        return attributive[:-1] + "かった"
    if attributive.endswith("ない"):
        return attributive[:-2] + "なかった"
    return attributive


def predicate_of(attributive: str, *, negative: bool = False) -> str:
    """Present predicate of an attributive form (正しい -> 正しい, 有効な -> 有効である)."""
    if attributive.endswith(("の", "な")):
        base = attributive[:-1]
        return base + ("ではない" if negative else "である")
    if negative:
        if attributive.endswith("ない"):
            return attributive[:-2] + "なくない"
        if attributive.endswith("い"):
            return attributive[:-1] + "くない"
        if attributive.endswith("た"):
            return attributive[:-1] + "ていない"
        return attributive + "ではない"
    return attributive


def join(pieces: list[str]) -> str:
    """Join Japanese and English pieces: a space only between two English words."""
    out = ""
    for piece in pieces:
        if not piece:
            continue
        if out and _ASCII_END.search(out) and _ASCII_START.search(piece):
            out += " "
        out += piece
    return out
