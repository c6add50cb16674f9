"""A real HTTP server on 127.0.0.1 that serves recorded payloads, for the ingest tests.

Routes map a path (with its query, or the path alone) to a list of answers served in turn; the last
one repeats. Every request is logged with its headers, so tests can check what was asked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"


@dataclass
class Answer:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0
    """Seconds to wait before answering (longer than the client's timeout: a timeout)."""


def fixture(name: str, *, status: int = 200, content_type: str | None = None) -> Answer:
    kind = content_type or ("application/json" if name.endswith(".json") else "application/xml")
    return Answer((FIXTURES / name).read_bytes(), status, {"Content-Type": kind})


@dataclass
class Request:
    target: str
    path: str
    headers: dict[str, str]


class PayloadServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[Answer]] = {}
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(
                    Request(self.path, urlsplit(self.path).path, dict(self.headers.items()))
                )
                answers = server.routes.get(self.path) or server.routes.get(
                    urlsplit(self.path).path
                )
                answer = Answer(b"no such fixture", 404) if not answers else answers[0]
                if answers and len(answers) > 1:
                    answers.pop(0)
                if answer.stall:
                    time.sleep(answer.stall)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: that is what a timeout test wants

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def route(self, target: str, *answers: Answer) -> str:
        """Serve `answers` in turn at `target`; returns its full URL."""
        self.routes[target] = list(answers)
        return self.url + target

    def __enter__(self) -> PayloadServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve() -> Iterator[PayloadServer]:
    with PayloadServer() as server:
        yield server
