"""`forestchief serve` runs the app under gunicorn on the given host and port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from core.testing import write_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_over_http(app, database_url, tmp_path):
    settings = write_settings(tmp_path / "serve")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    exe = Path(sys.executable).parent / "forestchief"
    proc = subprocess.Popen(
        [str(exe), "--config", str(settings), "serve", "--port", str(port), "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login",
                                            timeout=2) as response:
                    body = response.read().decode()
                    headers = response.headers
                break
            except OSError:
                time.sleep(0.2)
        assert body is not None, "server did not answer"
        assert 'name="password"' in body
        assert headers["X-Frame-Options"] == "DENY"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            assert json.loads(response.read()) == {"status": "ok"}
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode()
    assert '"GET /healthz HTTP/1.1" 200' in output
    # Access logs carry neither client addresses nor user agents (anonymous tipsters).
    access_lines = [line for line in output.splitlines() if '"GET ' in line]
    assert access_lines and not any("127.0.0.1" in line for line in access_lines)
    assert "Python-urllib" not in output
