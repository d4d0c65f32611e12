"""Retry policy: a refused or unresolvable connection fails fast; timeouts and 5xx back off."""

from __future__ import annotations

import socket
import time

import pytest

from digest.errors import FetchError
from digest.sources.http import CONNECT_ATTEMPTS, CONNECT_DELAY, HttpClient
from tests.conftest import HTTP_AGENT as AGENT


def refusing_port() -> int:
    """A local port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_connection_is_tried_twice_with_a_short_delay(sleeps):
    http = HttpClient(user_agent=AGENT, retries=3, backoff=1.0, sleep=sleeps.append)
    with http, pytest.raises(FetchError, match="connection failed"):
        http.get(f"http://127.0.0.1:{refusing_port()}/x", label="list 'users'")
    assert http.traffic.requests == CONNECT_ATTEMPTS == 2
    assert sleeps == [CONNECT_DELAY]


def test_unresolvable_host_is_tried_twice(sleeps):
    # conftest's no_network makes every name but localhost unresolvable, as offline.
    http = HttpClient(user_agent=AGENT, retries=3, backoff=1.0, sleep=sleeps.append)
    with http, pytest.raises(FetchError, match="list 'users': connection failed"):
        http.get("https://lists.example.org/pipermail/users/", label="list 'users'")
    assert http.traffic.requests == 2 and sleeps == [CONNECT_DELAY]


def test_refused_connection_costs_about_half_a_second():
    started = time.monotonic()
    with HttpClient(user_agent=AGENT) as http, pytest.raises(FetchError):
        http.get(f"http://127.0.0.1:{refusing_port()}/x", label="feed 'x'")
    assert http.traffic.requests == 2  # the time itself is measured in bench/first_hour.py
    assert time.monotonic() - started < 30


def test_5xx_keeps_the_exponential_backoff(server, sleeps):
    server.add("/busy", b"", status=503)
    http = HttpClient(user_agent=AGENT, retries=3, backoff=1.0, sleep=sleeps.append)
    with http, pytest.raises(FetchError, match="503"):
        http.get(server.url("/busy"), label="feed 'x'")
    assert sleeps == [1.0, 2.0, 4.0]


def test_timeout_keeps_the_backoff(server, sleeps):
    server.add("/slow", b"late", delay=1.0)
    http = HttpClient(user_agent=AGENT, timeout=0.1, retries=2, backoff=1.0, sleep=sleeps.append)
    with http, pytest.raises(FetchError, match="timed out"):
        http.get(server.url("/slow"), label="feed 'x'")
    assert sleeps == [1.0, 2.0]


def test_a_redirect_to_an_unsupported_scheme_names_the_target(server):
    server.add("/moved", b"", failures=[(302, {"Location": "ftp://mirror.example.org/users"})])
    with HttpClient(user_agent=AGENT) as http, pytest.raises(FetchError) as caught:
        http.get(server.url("/moved"), label="list 'users'")
    assert str(caught.value) == (
        f"list 'users': {server.url('/moved')} redirects to ftp://mirror.example.org/users: "
        "not http(s)"
    )
