"""The llm engine against a real chat-completions server on 127.0.0.1 (port 0)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from digest import store
from digest.config import LLMSettings
from digest.translate import Pipeline
from digest.translate.glossary import load_glossary
from digest.translate.llm import LLMEngine
from digest.translate.rules import RulesEngine

GLOSSARY = load_glossary()


class ChatServer(ThreadingHTTPServer):
    """Answers each request with the next scripted behaviour; records every request."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ChatHandler)
        self.script: list[str] = []
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class ChatHandler(BaseHTTPRequestHandler):
    server: ChatServer

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        mode = self.server.script.pop(0) if self.server.script else "ok"
        if mode == "429":
            self._send(429, {"error": "slow down"}, {"Retry-After": "1"})
        elif mode == "slow":
            time.sleep(1.0)
            self._send(200, self._answer(body, "ok"))
        else:
            self._send(200, self._answer(body, mode))

    def _answer(self, body: dict, mode: str) -> dict:
        prompt = body["messages"][-1]["content"]
        lines = json.loads(prompt.split("Lines:\n", 1)[1])["lines"]
        if mode == "garbage":
            content = "Sorry, I cannot help with that."
        else:
            items = []
            for item in lines:
                keep = " ".join(item["protected"])
                text = f"{keep}を修正しました。" if mode == "ok" else "修正しました。"
                items.append({"id": item["id"], "text": text})
            content = (
                "```json\n" + json.dumps({"translations": items}, ensure_ascii=False) + "\n```"
            )
        return {"choices": [{"message": {"role": "assistant", "content": content}}]}

    def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server() -> Iterator[ChatServer]:
    srv = ChatServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def engine(server: ChatServer, waits: list[float] | None = None, **kwargs) -> LLMEngine:
    settings = LLMSettings(url=server.url, model="test-model", api_key="k", **kwargs)
    return LLMEngine(
        settings,
        GLOSSARY,
        fallback=RulesEngine(GLOSSARY),
        sleep=(waits if waits is not None else []).append,
    )


LINES = [
    "crmd: Cancel timers for actions",
    "PE: Fix g_str_hash() leak",
    "cib: Use SIGPIPE for re-enabling disk writes",
    "Shell: add --force option",
    "lrmd: set op status",
]


def test_batches_and_prompt(server):
    llm = engine(server, batch_size=2)
    drafts = llm.translate(LINES)
    assert [d.origin for d in drafts] == ["llm"] * 5
    assert len(server.requests) == 3
    first = server.requests[0]
    assert first["path"] == "/v1/chat/completions" and first["auth"] == "Bearer k"
    prompt = first["body"]["messages"][-1]["content"]
    assert "action => action" in prompt and "timer => タイマー" in prompt
    assert "g_str_hash()" in drafts[1].text


def test_malformed_answer_falls_back_to_rules(server):
    server.script = ["garbage"]
    drafts = engine(server).translate(LINES[:2])
    assert [d.origin for d in drafts] == ["rules", "rules"]
    assert drafts[1].text == RulesEngine(GLOSSARY).translate_line(LINES[1])


def test_answer_missing_a_protected_token_falls_back_for_that_line(server):
    server.script = ["drop-tokens"]
    drafts = engine(server).translate(["Shell: add --force option", "Fix the leak"])
    assert [d.origin for d in drafts] == ["rules", "llm"]
    assert "--force" in drafts[0].text


def test_timeout_falls_back_and_is_reported(server):
    server.script = ["slow", "slow"]
    llm = engine(server, timeout=0.2, retries=1)
    drafts = llm.translate(LINES[:1])
    assert drafts[0].origin == "rules"
    assert llm.requests == 2
    assert llm.failures == [f"llm {server.url}/chat/completions: timed out"]


def test_429_waits_for_retry_after_then_succeeds(server):
    server.script = ["429", "ok"]
    waits: list[float] = []
    drafts = engine(server, waits).translate(LINES[:1])
    assert waits == [1.0]
    assert drafts[0].origin == "llm"
    assert len(server.requests) == 2


def test_429_exhausting_retries_reports_status(server):
    server.script = ["429", "429"]
    llm = engine(server, retries=1)
    assert llm.translate(LINES[:1])[0].origin == "rules"
    assert llm.failures == [f"llm {server.url}/chat/completions: 429 Too Many Requests"]


def test_no_request_for_lines_the_tm_has(server, tmp_path):
    db = store.open_db(tmp_path / "digest.db")
    Pipeline(db, engine(server), GLOSSARY).translate(LINES[:3])
    assert len(server.requests) == 1
    again = Pipeline(db, engine(server), GLOSSARY).translate([*LINES[:3], LINES[3]])
    assert len(server.requests) == 2
    sent = json.loads(server.requests[1]["body"]["messages"][-1]["content"].split("Lines:\n")[1])
    assert [item["text"] for item in sent["lines"]] == [LINES[3]]
    assert {r.origin for r in again} == {"llm"}


def test_prompt_carries_similar_editor_pairs_terms_and_style(server, tmp_path):
    from digest.config import TranslateSettings
    from digest.translate import make_engine
    from digest.translate.terms import approve_terms, learn_pairs

    db = store.open_db(tmp_path / "digest.db")
    learn_pairs(
        db,
        [
            (
                "crmd: Cancel timers for failed actions",
                "crmdで、失敗したactionのタイマーを取り消しました。",
            ),
            ("PE: Fix frobnicator crash", "PEで、フロブニケータのクラッシュを修正しました。"),
            ("PE: Fix frobnicator leak", "PEで、フロブニケータのリークを修正しました。"),
            ("Shell: Document the zap command", "crm shellで、zapコマンドを文書化しました。"),
        ],
    )
    approve_terms(db, ["frobnicator"])
    settings = TranslateSettings(engine="llm", llm=LLMSettings(url=server.url, model="m"))
    llm = make_engine("llm", settings, GLOSSARY, db)
    drafts = llm.translate(["crmd: Cancel timers for actions", "PE: Fix frobnicator timeout"])
    assert [d.origin for d in drafts] == ["llm", "llm"]
    prompt = server.requests[0]["body"]["messages"][-1]["content"]
    examples = prompt.split("Examples", 1)[1].split("Glossary", 1)[0]
    assert "crmd: Cancel timers for failed actions => crmdで、失敗したactionのタイマー" in examples
    assert "PE: Fix frobnicator crash => PEで、フロブニケータのクラッシュ" in examples
    assert "zap" not in examples  # not similar enough to either line
    glossary = prompt.split("Glossary", 1)[1].split("Lines:", 1)[0]
    assert "frobnicator => フロブニケータ" in glossary and "timer => タイマー" in glossary
    assert prompt.startswith("Style: ")


def test_bad_answer_with_examples_falls_back_to_rules_with_its_state(server, tmp_path):
    db = store.open_db(tmp_path / "digest.db")
    from digest.translate.examples import ExampleIndex

    server.script = ["drop-tokens"]
    llm = LLMEngine(
        LLMSettings(url=server.url, model="m"),
        GLOSSARY,
        fallback=RulesEngine(GLOSSARY),
        examples=ExampleIndex(db),
    )
    drafts = llm.translate(["Shell: add --force option", "Frobnicate the zorglub"])
    assert drafts[0].origin == "rules" and "--force" in drafts[0].text
    assert drafts[1].origin == "llm"
    server.script = ["garbage"]
    unsure = llm.translate(["crmd: Frobnicate the zorglub quickly, then zap it"])
    assert (unsure[0].origin, unsure[0].state) == ("rules", "needs_review")


def test_pipeline_sends_the_line_as_written_and_keys_it_cleaned(server, tmp_path):
    db = store.open_db(tmp_path / "digest.db")
    line = "**tools:** fix `crm_resource` `--move` when lifetime was used"
    result = Pipeline(db, engine(server), GLOSSARY).translate([line])[0]
    sent = json.loads(server.requests[0]["body"]["messages"][-1]["content"].split("Lines:\n")[1])
    assert sent["lines"][0]["text"] == line
    assert "`crm_resource`" in sent["lines"][0]["protected"]
    assert (result.source, result.origin) == (
        "tools: fix crm_resource --move when lifetime was used",
        "llm",
    )
    assert "`crm_resource`" in result.text
    assert Pipeline(db, engine(server), GLOSSARY).translate([line])[0].text == result.text
    assert len(server.requests) == 1  # the TM answers the second time
