"""The llm engine: an OpenAI-compatible /v1/chat/completions endpoint, checked line by line.

Lines go in batches with the glossary terms they use and their protected tokens. An answer is
accepted for a line only if it contains Japanese and every protected token verbatim; any other
line (or a batch whose request failed after retries) falls back to the rules engine.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from digest.config import LLMSettings
from digest.translate.base import Draft, Translator
from digest.translate.examples import ExampleIndex
from digest.translate.glossary import Glossary
from digest.translate.tokens import missing_tokens

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
RETRY_STATUS = {429, 500, 502, 503, 504}
SYSTEM_PROMPT = """\
You translate one-line English changelog entries of the Linux-HA / ClusterLabs stack
(Pacemaker, cluster-glue, crmsh, LCMC) into Japanese for a monthly digest.
Write like the digest's editors: short sentences ending in 〜を修正しました, 〜を追加しました,
〜できるようになりました, 〜に対応しました or 〜しないようにしました. Keep technical terms the
glossary marks as English in English (Master, demote, operation, role, group, unmanaged, action,
monitor, probe); write everyday nouns in katakana (リソース, ノード, オプション, パラメータ).
Copy every protected token exactly as given (function names, options, paths, daemon and tool
names, CamelCase, CONSTANTS, quoted strings, versions, ticket references).
Answer with JSON only: {"translations": [{"id": <id>, "text": "<Japanese>"}, ...]}."""


STYLE_RULES = (
    "a component prefix becomes a lead-in (PE: -> PEで、); one sentence per line; "
    "keep ticket references at the end in parentheses; follow the examples' wording."
)


class LLMEngine:
    """Batches lines to a chat-completions endpoint; invalid answers fall back to rules."""

    name = "llm"

    def __init__(
        self,
        settings: LLMSettings,
        glossary: Glossary,
        *,
        fallback: Translator,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        examples: ExampleIndex | None = None,
    ) -> None:
        self.settings = settings
        self.examples = examples
        self.glossary = glossary
        self.fallback = fallback
        self.client = client or httpx.Client(timeout=settings.timeout)
        self.sleep = sleep
        self.failures: list[str] = []
        self.requests = 0

    @property
    def endpoint(self) -> str:
        """The chat-completions URL derived from the configured base URL."""
        url = (self.settings.url or "").rstrip("/")
        if url.endswith("/chat/completions"):
            return url
        return url + ("/chat/completions" if url.endswith("/v1") else "/v1/chat/completions")

    def translate(self, lines: list[str]) -> list[Draft]:
        """Translate in batches; each line is checked and may fall back to rules."""
        out: list[Draft] = []
        size = max(1, self.settings.batch_size)
        for start in range(0, len(lines), size):
            out.extend(self._batch(lines[start : start + size]))
        return out

    def _batch(self, lines: list[str]) -> list[Draft]:
        tokens = [self.glossary.finder.find(line) for line in lines]
        answers = self._ask(lines, tokens)
        drafts: list[Draft | None] = []
        for i, _line in enumerate(lines):
            text = answers.get(i)
            ok = text is not None and JAPANESE.search(text) and not missing_tokens(tokens[i], text)
            drafts.append(Draft(text, self.name) if ok and text else None)
        retry = [lines[i] for i, d in enumerate(drafts) if d is None]
        backup = iter(self.fallback.translate(retry)) if retry else iter(())
        return [d if d is not None else next(backup) for d in drafts]

    def _ask(self, lines: list[str], tokens: list[list[str]]) -> dict[int, str]:
        payload = {
            "model": self.settings.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": self.prompt(lines, tokens)},
            ],
        }
        try:
            body = self._post(payload)
        except httpx.HTTPError as exc:
            self.failures.append(f"llm {self.endpoint}: {_describe(exc)}")
            return {}
        return parse_answer(body)

    def prompt(self, lines: list[str], tokens: list[list[str]]) -> str:
        """The user message: glossary terms used by the batch, then the lines as JSON."""
        text = " ".join(lines).lower()
        terms = [(en, ja) for en, ja in self.glossary.prompt_terms() if _mentions(text, en)]
        glossary = "\n".join(f"{en} => {ja}" for en, ja in terms) or "(none)"
        items = [{"id": i, "text": line, "protected": tokens[i]} for i, line in enumerate(lines)]
        pairs = self.examples.for_batch(lines) if self.examples is not None else []
        examples = "\n".join(f"{en} => {ja}" for en, ja in pairs) or "(none)"
        return (
            f"Style: {STYLE_RULES}\n\n"
            f"Examples (the editors' own translations of similar lines):\n{examples}\n\n"
            f"Glossary (English => Japanese; identical means keep English):\n{glossary}\n\n"
            f"Lines:\n{json.dumps({'lines': items}, ensure_ascii=False)}"
        )

    def _post(self, payload: dict[str, Any]) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        attempt = 0
        while True:
            self.requests += 1
            try:
                response = self.client.post(self.endpoint, json=payload, headers=headers)
            except httpx.TransportError:
                if attempt >= self.settings.retries:
                    raise
                self.sleep(_backoff(attempt))
            else:
                if response.status_code not in RETRY_STATUS or attempt >= self.settings.retries:
                    response.raise_for_status()
                    return response.json()
                self.sleep(self._retry_after(response, attempt))
            attempt += 1

    def _retry_after(self, response: httpx.Response, attempt: int) -> float:
        value = response.headers.get("Retry-After")
        wait = _backoff(attempt)
        if value:
            try:
                wait = float(value)
            except ValueError:
                with contextlib.suppress(TypeError, ValueError):
                    wait = parsedate_to_datetime(value).timestamp() - time.time()
        return max(0.0, min(wait, self.settings.max_retry_after))


def parse_answer(body: Any) -> dict[int, str]:
    """Map line id -> text from a chat-completions response; {} if it is malformed."""
    try:
        content = body["choices"][0]["message"]["content"]
        data = json.loads(_FENCE.sub("", content.strip()))
        items = data["translations"] if isinstance(data, dict) else data
        return {int(item["id"]): str(item["text"]).strip() for item in items}
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return {}


def _mentions(text: str, term: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(term)}", text) is not None


def _backoff(attempt: int) -> float:
    return min(30.0, 0.5 * 2**attempt)


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"{exc.response.status_code} {exc.response.reason_phrase}"
    return str(exc) or type(exc).__name__
