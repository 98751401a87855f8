"""Chinese first: every UI string is in the zh_CN catalog, and pages default to Chinese."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "core/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_every_source_string_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F",
                    str(ROOT / "babel.cfg"), "-k", "_l", "-o", str(pot), str(ROOT)],
                   check=True, capture_output=True, cwd=ROOT)
    with open(pot, "rb") as fh:
        source = {m.id for m in read_po(fh) if m.id}
    with open(CATALOG, "rb") as fh:
        catalog = read_po(fh)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(str(i) for i in source - translated)
    assert not missing, f"untranslated (run `make translations` and translate): {missing}"


def test_pages_are_chinese_by_default_and_english_on_request(client):
    from core.testing import csrf_token

    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "登录" in page
    token = csrf_token(client)
    client.post("/lang/en", data={"csrf_token": token, "next": "/auth/login"})
    english = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in english and "Sign in" in english
