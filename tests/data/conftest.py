"""Fixtures for the aekit.data tests: an isolated dataset/cache setup and a local HTTP server."""

from __future__ import annotations

import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

_PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No Debian copy, an empty cache, no proxy: every Fashion-MNIST file must be downloaded."""
    empty = tmp_path / "no-debian"
    empty.mkdir()
    monkeypatch.setenv("AEKIT_DATASETS_DIR", str(empty))
    monkeypatch.setenv("AEKIT_CACHE", str(tmp_path / "cache"))
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return tmp_path / "cache" / "fashion-mnist"


@pytest.fixture
def serve():
    """serve(directory) -> (base URL, list of requested paths), for a server on 127.0.0.1."""
    servers = []

    def start(directory: Path):
        requested: list[str] = []

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(directory), **kwargs)

            def do_GET(self):
                requested.append(self.path)
                super().do_GET()

            def log_message(self, *args):  # keep pytest output clean
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}/", requested

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join()
