"""Fetching over real HTTP on 127.0.0.1: retries, Retry-After, timeouts, clear failures."""

from __future__ import annotations

import socket

import pytest

from site_builder.config import NetworkConfig
from site_builder.errors import FetchError
from site_builder.ingest.fetch import Fetcher, _retry_after

from .payload_server import Answer, PayloadServer, fixture


def test_a_payload_is_fetched_with_a_user_agent_naming_the_contact(
    payloads: PayloadServer, fetcher: Fetcher
) -> None:
    url = payloads.route("/api/daily_papers", fixture("hf-daily-papers.json"))
    body = fetcher.get(url, what="hf")
    assert body == fixture("hf-daily-papers.json").body
    agent = payloads.requests[0].headers["User-Agent"]
    assert agent.startswith("site-builder/") and "mailto:curator@example.org" in agent


def test_503_then_success_is_retried(payloads: PayloadServer, fetcher: Fetcher) -> None:
    busy = Answer(b"busy", 503)
    url = payloads.route("/api/query", busy, fixture("arxiv-query-page2.xml"))
    assert b"Self-Instruct at Scale" in fetcher.get(url, what="arxiv")
    assert len(payloads.requests) == 2
    assert fetcher.waits == [0.01]  # the backoff, since the 503 named no Retry-After


def test_429_honours_retry_after(payloads: PayloadServer, fetcher: Fetcher) -> None:
    slow_down = Answer(b"Rate exceeded.", 429, {"Retry-After": "1"})
    url = payloads.route("/api/query", slow_down, fixture("arxiv-query-page2.xml"))
    assert b"Self-Instruct" in fetcher.get(url, what="arxiv")
    assert fetcher.waits == [1.0]


def test_retry_after_is_capped_by_max_wait(payloads: PayloadServer) -> None:
    network = NetworkConfig(timeout=2.0, retries=1, backoff=0.01, max_wait=0.05)
    fetcher = Fetcher(network)
    slow_down = Answer(b"", 429, {"Retry-After": "3600"})
    url = payloads.route("/api/query", slow_down, fixture("arxiv-empty.xml"))
    fetcher.get(url, what="arxiv")
    assert fetcher.waits == [0.05]


def test_retries_run_out_with_a_clear_message(payloads: PayloadServer, fetcher: Fetcher) -> None:
    url = payloads.route("/api/query", Answer(b"", 502))
    with pytest.raises(FetchError) as caught:
        fetcher.get(url, what="arxiv")
    assert (
        str(caught.value)
        == f"{url}: arxiv: unreachable: the server answered 502 Bad Gateway (3 attempts)"
    )
    assert len(payloads.requests) == 3


def test_a_timeout_is_retried_then_reported(payloads: PayloadServer) -> None:
    fetcher = Fetcher(NetworkConfig(timeout=0.2, retries=1, backoff=0.01))
    url = payloads.route("/rss/cs.CL", Answer(b"late", stall=1.0))
    with pytest.raises(FetchError) as caught:
        fetcher.get(url, what="arxiv-rss")
    assert "arxiv-rss: unreachable: no answer (timed out) (2 attempts)" in str(caught.value)


def test_a_client_error_is_not_retried(payloads: PayloadServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="hf: the server answered 404 Not Found"):
        fetcher.get(payloads.url + "/missing", what="hf")
    assert len(payloads.requests) == 1


def test_a_refused_connection_is_reported() -> None:
    with socket.socket() as sock:  # a port nobody listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fetcher = Fetcher(NetworkConfig(timeout=1.0, retries=1, backoff=0.01))
    with pytest.raises(FetchError, match=r"hf: unreachable: no answer \(.*refused"):
        fetcher.get(f"http://127.0.0.1:{port}/api/daily_papers", what="hf")


def test_requests_to_one_host_keep_their_distance(
    payloads: PayloadServer, fetcher: Fetcher
) -> None:
    url = payloads.route("/api/query", fixture("arxiv-empty.xml"))
    fetcher.get(url, what="arxiv", delay=0.05)
    fetcher.get(url, what="arxiv", delay=0.05)
    fetcher.get(url, what="arxiv")  # no delay asked: no pause
    assert len(fetcher.pauses) == 1 and 0 < fetcher.pauses[0] <= 0.05


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None), (None, None)],
)
def test_retry_after_takes_seconds_or_a_date(header: str | None, seconds: float | None) -> None:
    assert _retry_after(header) == seconds


def test_a_lasting_429_says_to_come_back_later(payloads: PayloadServer) -> None:
    fetcher = Fetcher(NetworkConfig(timeout=1.0, retries=1, backoff=0.01))
    url = payloads.route("/api/query", Answer(b"Rate exceeded.", 429))
    with pytest.raises(FetchError) as caught:
        fetcher.get(url, what="arxiv")
    assert str(caught.value).endswith(
        "arxiv: unreachable: the server answered 429 Too Many Requests (2 attempts); "
        "the service limits how often it may be asked: try again later"
    )
