"""`forestchief serve` runs the app under gunicorn on the given host and port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from core.testing import write_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_answers_over_http(app, database_url, tmp_path, make_user):
    from core.accounts.services import create_token, find_user
    from core.db import db

    make_user("served", role="office")
    with app.app_context():
        token = create_token(find_user("served"))
        db.session.commit()
    settings = write_settings(tmp_path / "serve")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    exe = Path(sys.executable).parent / "forestchief"
    proc = subprocess.Popen(
        [str(exe), "--config", str(settings), "serve", "--port", str(port), "--workers", "1",
         "--threads", "1"],
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
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        assert json.loads(body) == {"status": "ok"}
        # One worker, one thread: a request with a token must not leave its identity behind.
        base = f"http://127.0.0.1:{port}/api/v1/me"
        status, body = get(base, {"Authorization": f"Bearer {token}"})
        assert status == 200 and json.loads(body)["username"] == "served"
        assert get(base)[0] == 401
        # (urllib follows the redirect to the login page)
        assert 'name="password"' in get(f"http://127.0.0.1:{port}/admin/users")[1].decode()
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode()
    assert '"GET /healthz HTTP/1.1" 200' in output
    # Access logs carry neither client addresses nor user agents (anonymous tipsters).
    access_lines = [line for line in output.splitlines() if '"GET ' in line]
    assert access_lines and not any("127.0.0.1" in line for line in access_lines)
    assert "Python-urllib" not in output
