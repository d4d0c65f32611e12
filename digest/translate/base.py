"""The Translator protocol and the records the translation pipeline passes around."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

ORIGINS = ("human", "memory", "rules", "llm")
STATES = ("machine", "needs_review", "approved")


@dataclass(frozen=True)
class Draft:
    """An engine's answer for one line and which engine really produced it."""

    text: str
    origin: str
    state: str = "machine"


@dataclass(frozen=True)
class Result:
    """The pipeline's answer for one line, as stored in the translation memory."""

    source: str
    text: str
    origin: str
    state: str

    def as_dict(self) -> dict[str, str]:
        """The JSON-lines shape printed by `digest translate --input`."""
        return {
            "source": self.source,
            "text": self.text,
            "origin": self.origin,
            "state": self.state,
        }


class Translator(Protocol):
    """An engine: translates a batch of English lines, one Draft per line, in order."""

    name: str

    def translate(self, lines: list[str]) -> list[Draft]:
        """Translate lines; never drops or reorders them."""
        ...
