"""A real HTTP server on 127.0.0.1 (port 0) for the mail/feed tests, with a request log.

Routes serve fixture bytes with an ETag and Last-Modified and answer conditional requests with
304; a route can also fail a number of times first (503 + Retry-After), answer slowly, leave
out Content-Length, or return any status. Every request is logged with the bytes sent, so a
test can prove that nothing was downloaded twice. (Helpers only; this module has no tests.)
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

LAST_MODIFIED = "Thu, 01 Dec 2011 00:00:00 GMT"


def mbox(*messages: bytes) -> bytes:
    """Join messages (each starting with its From_ line) the way an mbox file does."""
    return b"\n".join(m.rstrip(b"\n") + b"\n" for m in messages)


def message(
    body: bytes,
    *,
    subject: bytes = b"hello",
    msgid: bytes | None = b"<m1@example.org>",
    date: bytes = b"Wed, 23 Nov 2011 21:35:42 +1100",
    sender: bytes = b"andrew at beekhof.net (Andrew Beekhof)",
    separator: bytes = b"From andrew at beekhof.net  Wed Nov 23 10:35:42 2011",
    extra: bytes = b"",
) -> bytes:
    headers = [separator, b"From: " + sender, b"Date: " + date, b"Subject: " + subject]
    if msgid is not None:
        headers.append(b"Message-ID: " + msgid)
    if extra:
        headers.append(extra.rstrip(b"\n"))
    return b"\n".join(headers) + b"\n\n" + body + b"\n"


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/octet-stream"
    etag: str | None = None
    last_modified: str | None = LAST_MODIFIED
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    send_length: bool = True
    headers: dict[str, str] = field(default_factory=dict)  # extra headers (Location, ...)
    trickle: float = 0.0  # seconds between bytes of the body: a server that trickles


@dataclass(frozen=True)
class Hit:
    """One request the server saw."""

    path: str
    query: str
    status: int
    sent: int
    conditional: bool
    user_agent: str


class _QuietServer(ThreadingHTTPServer):
    """No tracebacks when a client hangs up early (timeouts, size caps)."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class FixtureServer:
    """Threaded HTTP server with programmable routes and a request log."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[Hit] = []
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        """Absolute URL of a path on this server."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def add(self, path: str, body: bytes = b"", **options: object) -> Route:
        """Serve `body` at `path` (may end in ?query); the ETag is derived from the body."""
        route = Route(body=body, **options)  # type: ignore[arg-type]
        if route.etag is None and route.status == 200:
            route.etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        self.routes[path] = route
        return route

    def hits(self, path: str | None = None) -> list[Hit]:
        """Logged requests (for one path, or all)."""
        with self._lock:
            return [h for h in self.log if path is None or h.path == path]

    def reset_log(self) -> None:
        """Forget the requests seen so far."""
        with self._lock:
            self.log.clear()

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self.log.append(hit)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                route = server.routes.get(f"{parts.path}?{parts.query}")
                route = route or server.routes.get(parts.path)
                status, body, headers, length = self._answer(route)
                conditional = bool(
                    self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
                )
                agent = self.headers.get("User-Agent", "")
                sent = len(body) if status != 304 else 0
                server._record(Hit(parts.path, parts.query, status, sent, conditional, agent))
                trickle = route.trickle if route is not None and status == 200 else 0.0
                self._send(status, body, headers, length=length, trickle=trickle)

            def _answer(self, route: Route | None) -> tuple[int, bytes, dict[str, str], bool]:
                if route is None:
                    return 404, b"not found", {}, True
                if route.failures:
                    status, headers = route.failures.pop(0)
                    return status, b"try again later", headers, True
                if route.delay:
                    time.sleep(route.delay)
                if route.status != 200:
                    return route.status, b"error", dict(route.headers), True
                if self._fresh(route):
                    return 304, b"", self._validators(route), True
                headers = {"Content-Type": route.content_type, **self._validators(route)}
                headers.update(route.headers)
                return 200, route.body, headers, route.send_length

            def _fresh(self, route: Route) -> bool:
                tag = self.headers.get("If-None-Match")
                if tag is not None:
                    return tag == route.etag
                since = self.headers.get("If-Modified-Since")
                return since is not None and since == route.last_modified

            def _validators(self, route: Route) -> dict[str, str]:
                headers = {}
                if route.etag:
                    headers["ETag"] = route.etag
                if route.last_modified:
                    headers["Last-Modified"] = route.last_modified
                return headers

            def _send(
                self,
                status: int,
                body: bytes,
                headers: dict[str, str],
                *,
                length: bool,
                trickle: float = 0.0,
            ) -> None:
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    if length:
                        self.send_header("Content-Length", str(len(body)))
                    else:
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    self.end_headers()
                    if status != 304 and trickle:
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(trickle)
                    elif status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout or size cap)

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet."""

        return Handler
