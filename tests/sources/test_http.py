"""The shared HTTP client against a real server on 127.0.0.1: retries, caps, validators."""

from __future__ import annotations

import socket

import pytest

from digest.errors import FetchError
from digest.sources.http import HttpClient, HttpError, Validators
from tests.conftest import HTTP_AGENT as AGENT


def test_get_sends_user_agent_and_returns_validators(server, client):
    server.add("/a.txt", b"hello")
    response = client.get(server.url("/a.txt"), label="list 'users'")
    assert response.status == 200
    assert response.content == b"hello"
    assert response.validators.etag == server.routes["/a.txt"].etag
    assert response.validators.last_modified == "Thu, 01 Dec 2011 00:00:00 GMT"
    assert server.hits()[0].user_agent == AGENT


def test_conditional_get_gets_304_and_no_body(server, client):
    server.add("/a.txt", b"x" * 5000)
    first = client.get(server.url("/a.txt"), label="feed 'f'")
    second = client.get(server.url("/a.txt"), label="feed 'f'", validators=first.validators)
    assert second.not_modified
    assert second.content == b""
    assert [h.status for h in server.hits()] == [200, 304]
    assert [h.sent for h in server.hits()] == [5000, 0]
    assert client.traffic.conditional == 1
    assert client.traffic.not_modified == 1


def test_last_modified_alone_is_enough_for_a_304(server, client):
    server.add("/a.txt", b"abc", etag=None)
    server.routes["/a.txt"].etag = None
    validators = Validators(last_modified="Thu, 01 Dec 2011 00:00:00 GMT")
    assert client.get(server.url("/a.txt"), label="x", validators=validators).not_modified


def test_503_then_success_is_retried_honouring_retry_after(server, client, sleeps):
    route = server.add("/month.txt", b"body")
    route.failures = [(503, {"Retry-After": "7"}), (503, {})]
    response = client.get(server.url("/month.txt"), label="list 'users'")
    assert response.content == b"body"
    assert [h.status for h in server.hits()] == [503, 503, 200]
    assert sleeps == [7.0, 0.02]  # Retry-After honoured, then exponential backoff
    assert client.traffic.retries == 2


def test_retry_after_is_capped(server, sleeps):
    route = server.add("/m", b"ok")
    route.failures = [(429, {"Retry-After": "86400"})]
    with HttpClient(user_agent=AGENT, max_retry_wait=5, sleep=sleeps.append) as http:
        assert http.get(server.url("/m"), label="x").content == b"ok"
    assert sleeps == [5]


def test_persistent_503_names_source_status_and_url(server, client):
    route = server.add("/m", b"ok")
    route.failures = [(503, {})] * 5
    with pytest.raises(HttpError) as caught:
        client.get(server.url("/m"), label="list 'users'")
    assert str(caught.value) == (f"list 'users': 503 Service Unavailable for {server.url('/m')}")
    assert caught.value.status == 503
    assert len(server.hits()) == 3  # first try + 2 retries


def test_404_is_not_retried(server, client):
    with pytest.raises(HttpError, match=r"404 Not Found for http://127\.0\.0\.1:\d+/missing$"):
        client.get(server.url("/missing"), label="list 'users'")
    assert len(server.hits()) == 1


def test_timeout_is_reported_after_retries(server, sleeps):
    server.add("/slow", b"late", delay=1.0)
    http = HttpClient(user_agent=AGENT, timeout=0.2, retries=1, sleep=sleeps.append)
    with http, pytest.raises(FetchError, match=r"^feed 'blog': timed out fetching http://"):
        http.get(server.url("/slow"), label="feed 'blog'")
    assert len(sleeps) == 1


def test_connection_refused_names_the_url(sleeps):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    http = HttpClient(user_agent=AGENT, retries=1, backoff=0.01, sleep=sleeps.append)
    with http, pytest.raises(FetchError) as caught:
        http.get(f"http://127.0.0.1:{port}/x", label="list 'users'")
    assert str(caught.value).startswith("list 'users': connection failed")
    assert str(caught.value).endswith(f"for http://127.0.0.1:{port}/x")


def test_oversized_response_is_refused_by_content_length(server):
    server.add("/big", b"x" * 4096)
    with HttpClient(user_agent=AGENT, max_bytes=1000) as http:
        with pytest.raises(HttpError, match=r"4096 bytes is over the 1000-byte limit"):
            http.get(server.url("/big"), label="list 'users'")
        assert http.traffic.bytes == 0  # refused before reading the body


def test_oversized_stream_without_length_is_cut_off(server):
    server.add("/big", b"x" * 200_000, send_length=False)
    with HttpClient(user_agent=AGENT, max_bytes=50_000) as http:
        with pytest.raises(HttpError, match=r"response exceeds the 50000-byte limit"):
            http.get(server.url("/big"), label="list 'users'")
        assert http.traffic.bytes < 200_000


def test_unsupported_scheme_is_a_fetch_error():
    with HttpClient(user_agent=AGENT) as http, pytest.raises(FetchError, match="feed 'x'"):
        http.get("gopher://example.invalid/", label="feed 'x'")
