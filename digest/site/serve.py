"""Local preview of a built site: the standard library's HTTP server, on 127.0.0.1 only."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from digest.errors import DigestError

HOST = "127.0.0.1"


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files from one directory; logs one short line per request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        """Log requests without the client address and timestamp noise."""
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


def make_server(directory: Path, port: int = 8000, *, verbose: bool = False) -> ThreadingHTTPServer:
    """An HTTP server for a directory bound to 127.0.0.1 (port 0 picks a free port)."""
    if not (directory / "index.html").is_file():
        raise DigestError(f"site: {directory} has no index.html (run `digest site build` first)")
    handler = functools.partial(_QuietHandler, directory=str(directory))
    try:
        server = ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise DigestError(f"site: cannot listen on {HOST}:{port}: {exc}") from exc
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def url_of(server: ThreadingHTTPServer) -> str:
    """The base URL a server answers on."""
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"
