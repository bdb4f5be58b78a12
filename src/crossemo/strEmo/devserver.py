"""A loopback HTTP server for media files that honours ``Range`` requests.

Python's :mod:`http.server` ignores ``Range`` (yt-dlp then resumes and cuts wrongly), so this
one answers ``206 Partial Content`` for single byte ranges. It binds 127.0.0.1 on a free port
and serves one directory, read-only. Tests and the demo DAG download "videos" from it with the
same yt-dlp code path a real user runs against YouTube.

For tests it can misbehave on purpose: :attr:`MediaServer.truncate` maps a file name to the
number of bytes after which every response for that file is cut (connection closed early),
:attr:`MediaServer.drip` maps a file name to the bytes per second its bodies are sent at (a
drip-feeding server; each response gives up after :attr:`MediaServer.drip_limit_s` or when the
server stops), and :attr:`MediaServer.requests` records the paths that were asked for.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import re
import sys
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class MediaServer(ThreadingHTTPServer):
    """ThreadingHTTPServer over ``directory`` with test hooks (see the module docstring)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, directory: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.directory = Path(directory).resolve()
        self.truncate: dict[str, int] = {}
        self.drip: dict[str, float] = {}
        self.drip_limit_s = 30.0
        self.stopping = threading.Event()
        self.requests: list[tuple[str, str]] = []  # (method, path)
        self._lock = threading.Lock()
        super().__init__((host, port), _Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request, client_address) -> None:
        """Clients hanging up mid-transfer (yt-dlp probing a file) are normal, not errors."""
        err = sys.exc_info()[1]
        if isinstance(err, (ConnectionResetError, BrokenPipeError, TimeoutError)):
            log.debug("%s hung up: %s", client_address, err)
            return
        super().handle_error(request, client_address)

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))

    def resolve(self, url_path: str) -> Path | None:
        """The file under the served directory named by ``url_path`` (None outside it)."""
        rel = unquote(urlsplit(url_path).path).lstrip("/")
        candidate = (self.directory / rel).resolve()
        if not candidate.is_relative_to(self.directory) or not candidate.is_file():
            return None
        return candidate


class _Handler(BaseHTTPRequestHandler):
    server: MediaServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
        self._serve(body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        self.server.record(self.command, self.path)
        path = self.server.resolve(self.path)
        if path is None:
            self.send_error(HTTPStatus.NOT_FOUND, "no such media")
            return
        size = path.stat().st_size
        first, last = 0, size - 1
        status = HTTPStatus.OK
        header = self.headers.get("Range")
        if header:
            match = _RANGE.match(header.strip())
            if not match or (not match[1] and not match[2]):
                self._unsatisfiable(size)
                return
            if match[1]:
                first = int(match[1])
                last = min(int(match[2]), size - 1) if match[2] else size - 1
            else:  # suffix range: the last N bytes
                first = max(0, size - int(match[2]))
            if first >= size or last < first:
                self._unsatisfiable(size)
                return
            status = HTTPStatus.PARTIAL_CONTENT
        length = last - first + 1
        self.send_response(status)
        self.send_header("Content-Type", mimetypes.guess_type(path.name)[0] or "audio/mp4")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(length))
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.end_headers()
        if not body:
            return
        cut = self.server.truncate.get(path.name)
        budget = length if cut is None else max(0, min(length, cut - first))
        rate = self.server.drip.get(path.name)
        with path.open("rb") as fh:
            fh.seek(first)
            try:
                if rate:
                    budget = self._drip(fh, budget, rate)
                else:
                    _copy(fh, self.wfile, budget)
            except (BrokenPipeError, ConnectionResetError):
                return
        if budget < length:
            self.close_connection = True  # the client sees a short body

    def _drip(self, src, n: int, rate: float, tick_s: float = 0.25) -> int:
        """Send ``n`` bytes of ``src`` at ``rate`` bytes per second (at least one a tick) until
        done, the server stops or its ``drip_limit_s`` passes; the bytes sent."""
        give_up = time.monotonic() + self.server.drip_limit_s
        step, sent = max(1, int(rate * tick_s)), 0
        while sent < n and time.monotonic() < give_up:
            data = src.read(min(step, n - sent))
            if not data:
                break
            self.wfile.write(data)
            self.wfile.flush()
            sent += len(data)
            if self.server.stopping.wait(tick_s):
                break
        return sent

    def _unsatisfiable(self, size: int) -> None:
        self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
        self.send_header("Content-Range", f"bytes */{size}")
        self.send_header("Content-Length", "0")
        self.end_headers()


def _copy(src, dst, n: int, chunk: int = 64 * 1024) -> None:
    while n > 0:
        data = src.read(min(chunk, n))
        if not data:
            break
        dst.write(data)
        n -= len(data)
    dst.flush()


@contextlib.contextmanager
def serve(directory: str | Path, port: int = 0) -> Iterator[MediaServer]:
    """Serve ``directory`` on 127.0.0.1 (a free port unless given) for the ``with`` block."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"serve_dir {directory} is not a directory")
    server = MediaServer(directory, port=port)
    thread = threading.Thread(target=server.serve_forever, name="media-server", daemon=True)
    thread.start()
    log.info("serving %s at %s", directory, server.base_url)
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
