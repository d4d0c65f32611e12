"""Protected tokens: identifiers a translation must keep verbatim, and a tokenizer around them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Ordered alternatives: the first that matches at a position wins, so longer shapes come first.
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("url", r"[A-Za-z][\w+.-]*://[^\s)\]>\"']+"),
    ("email", r"<?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?"),
    ("tag", r"</?[A-Za-z][\w:.-]*\s?/?>"),  # an XML element: <failed>, <parameter>, </op>
    ("macro", r"%\{?[A-Za-z_]\w*\}?"),
    ("assign", r"[A-Za-z_][\w.-]*=(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s,;)]+)"),
    ("quoted", r"\"[^\"\n]+\"|“[^”\n]+”|`[^`\n]+`|(?<![\w'])'[^'\n]+'(?![\w'])"),
    ("ticket", r"\b[A-Za-z][A-Za-z.-]*#(?:[A-Z][A-Z0-9]*-)?\d+\b|(?<![\w#])#\d+\b"),
    ("member", r"[A-Za-z_]\w*(?:->[A-Za-z_]\w*)+(?:\(\))?"),
    ("call", r"[A-Za-z_][\w.:>-]*\((?![\w.-]*#\d)[^()\s]*\)"),
    ("colon", r"(?<![\w:])[A-Za-z_][\w.-]*(?::[\w<>.+-]+)+(?=[\s,;)]|$)"),
    ("shellvar", r"\$\{?[A-Za-z_]*\w*\}?"),
    ("path", r"(?:~|\.{1,2})?/[\w.@%+=:,~<>-]+(?:/[\w.@%+=:,~<>-]*)*|[\w.+-]*\w(?:/[\w.+-]*\w)+/?"),
    ("option", r"(?<![\w-])--?[A-Za-z][\w-]*(?:=[^\s,;)]+)?(?:,\s?--?[A-Za-z][\w-]*)*"),
    ("revision", r"\b\d+:[0-9a-f]{6,40}\b"),
    ("numeric", r"(?<![\w.-])[\w.+-]*\d[\w.+-]*(?<![.+-])"),
    ("snake", r"\b\w*_\w+(?:\.\w+)*\b"),
    ("dotted", r"(?<![\w-])(?!(?i:e\.g|i\.e)\b)[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+\b"),
    ("camel", r"\b[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*\b|\b[A-Z]{2,}[a-z]+\b"),
    ("constant", r"\b[A-Z][A-Z0-9]+\b"),
)
_PROTECTED = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _PATTERNS))
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*(?:-[A-Za-z]+)*(?:/[A-Za-z]+(?:-[A-Za-z]+)*)*")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Token:
    """One piece of an English line: a protected identifier, a word or punctuation."""

    text: str
    kind: str  # "id" (protected), "word" or "punct"

    @property
    def protected(self) -> bool:
        """True for identifiers that must be copied verbatim."""
        return self.kind == "id"


class TokenFinder:
    """Finds protected tokens; knows the glossary's names and word alternations."""

    def __init__(self, names: Iterable[str] = (), alternations: Iterable[str] = ()) -> None:
        self.names = frozenset(names)
        self.alternations = frozenset(a.lower() for a in alternations)

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Start/end offsets of every protected token, left to right."""
        for match in _PROTECTED.finditer(text):
            value = match.group(0)
            if match.lastgroup == "path" and value.lower() in self.alternations:
                continue
            yield match.start(), match.end()

    def find(self, text: str) -> list[str]:
        """The protected tokens of a line, including known daemon and tool names."""
        return [token.text for token in self.tokenize(text) if token.protected]

    def tokenize(self, text: str) -> list[Token]:
        """Split a line into protected tokens, words and punctuation."""
        tokens: list[Token] = []
        pos = 0
        for start, end in self.spans(text):
            tokens.extend(self._plain(text[pos:start]))
            tokens.append(Token(text[start:end], "id"))
            pos = end
        tokens.extend(self._plain(text[pos:]))
        return tokens

    def _plain(self, text: str) -> Iterator[Token]:
        pos = 0
        for match in _WORD.finditer(text):
            yield from _punct(text[pos : match.start()])
            word = match.group(0)
            yield Token(word, "id" if word in self.names else "word")
            pos = match.end()
        yield from _punct(text[pos:])


_OPERATOR = re.compile(r">=|<=|==|!=|->|=>|<-|&&|\|\||::|\S")


def _punct(text: str) -> Iterator[Token]:
    for match in _OPERATOR.finditer(text):
        yield Token(match.group(0), "punct")


_NO_SPACE_BEFORE = {")", ",", ".", ":", ";", "!", "?"}
_NO_SPACE_AFTER = {"(", "/"}


def english(tokens: Iterable[Token]) -> str:
    """Re-join English tokens with conventional spacing."""
    out = ""
    for t in tokens:
        if out and t.text not in _NO_SPACE_BEFORE and out[-1] not in _NO_SPACE_AFTER:
            out += " "
        out += t.text
    return out.strip()


def missing_tokens(tokens: Iterable[str], output: str) -> list[str]:
    """Protected tokens that do not appear verbatim in a translation."""
    return [token for token in tokens if token not in output]
