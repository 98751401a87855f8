"""Attachments: content-checked uploads, random names, access checked on every download."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from core.testing import csrf_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def publish(client, files=(), **fields):
    data = {"title": "附件测试", "category": "enforcement", "sensitivity": "open", "body": "",
            "csrf_token": csrf_token(client, "/sharing/new")}
    data.update(fields)
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/sharing/new", data=data, content_type="multipart/form-data")


def item_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/sharing/(\d+)", response.headers["Location"]).group(1))


def download_links(client, number):
    page = client.get(f"/sharing/{number}").get_data(as_text=True)
    return re.findall(rf'href="(/sharing/{number}/attachments/\d+)"', page)


def test_upload_and_download_with_the_original_name(app, login_as):
    forestry = login_as("liaison", "natural_resources")
    number = item_id(publish(forestry, files=[("采伐许可证.pdf", PDF), ("现场.png", PNG),
                                              ("报告.docx", docx_bytes())]))
    links = download_links(forestry, number)
    assert len(links) == 3
    response = forestry.get(links[0])
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "%E9%87%87" in disposition  # 采, encoded
    # Stored under a random name in the upload folder, not under the original one.
    upload_root = app.extensions["forestchief"].settings["uploads"]["path"]
    from pathlib import Path

    stored = [p.name for p in Path(upload_root).rglob("*") if p.is_file()]
    assert len(stored) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", name) for name in stored)


@pytest.mark.parametrize(("name", "content"), [
    ("script.pdf", b"#!/bin/sh\nrm -rf /\n"),            # not a PDF inside
    ("photo.png", PDF),                                  # a PDF renamed .png
    ("tool.exe", b"MZ\x90\x00"),                          # type not accepted
    ("fake.docx", b"PK\x03\x04 not really a zip"),        # broken Office file
    ("binary.txt", b"abc\x00def"),                        # binary posing as text
    ("empty.pdf", b""),
])
def test_files_are_checked_by_content(app, login_as, name, content):
    forestry = login_as("liaison", "natural_resources")
    response = publish(forestry, files=[(name, content)], title="拒绝的附件")
    assert response.status_code == 400
    assert "拒绝的附件" in response.get_data(as_text=True)  # the form keeps the input
    from core.db import db
    from core.sharing.models import InfoItem

    with app.app_context():
        assert db.session.query(InfoItem).count() == 0  # nothing half-written


def test_too_large_request_is_refused(app_factory, make_user):
    from core.testing import login

    app = app_factory('[uploads]\nmax_size_mb = 1\n')
    from core.accounts.services import create_user
    from core.db import db
    from core.testing import DEFAULT_PASSWORD

    with app.app_context():
        create_user("big.files", DEFAULT_PASSWORD, "natural_resources", "liaison")
        db.session.commit()
    client = app.test_client()
    login(client, "big.files")
    response = publish(client, files=[("big.pdf", PDF + b"0" * (2 * 1024 * 1024))])
    assert response.status_code == 413


def test_downloads_follow_the_item_visibility(login_as):
    forestry = login_as("liaison", "natural_resources")
    number = item_id(publish(forestry, files=[("内部.pdf", PDF)], sensitivity="internal",
                             shared_with="environment"))
    link = download_links(forestry, number)[0]
    assert login_as("member", "environment").get(link).status_code == 200
    assert login_as("member", "police").get(link).status_code == 404
    assert login_as("auditor", "office").get(link).status_code == 403
    # An attachment id under another (visible) item is not found either.
    other = item_id(publish(forestry, title="公开条目"))
    wrong = link.replace(f"/sharing/{number}/", f"/sharing/{other}/")
    assert login_as("member", "police").get(wrong).status_code == 404


def test_classified_entries_take_no_files(login_as):
    forestry = login_as("liaison", "natural_resources")
    response = publish(forestry, files=[("secret.pdf", PDF)], sensitivity="classified",
                       shared_with="police", reference_no="1号", consult_at="机要室")
    assert response.status_code == 400


def test_remove_attachment_is_audited(app, login_as):
    from sqlalchemy import select

    from core.audit import AuditRecord
    from core.db import db

    forestry = login_as("liaison", "natural_resources")
    number = item_id(publish(forestry, files=[("a.txt", "巡护记录".encode())]))
    link = download_links(forestry, number)[0]
    token = csrf_token(forestry, f"/sharing/{number}")
    assert login_as("member", "police").post(f"{link}/delete", data={
        "csrf_token": token}).status_code in (400, 403)
    assert forestry.post(f"{link}/delete", data={"csrf_token": token}).status_code == 302
    assert forestry.get(link).status_code == 404
    with app.app_context():
        actions = db.session.scalars(select(AuditRecord.action).where(
            AuditRecord.object_type == "attachments")).all()
    assert actions == ["insert", "delete"]


def test_api_upload_and_list(login_as):
    forestry = login_as("liaison", "natural_resources")
    headers = {"X-CSRFToken": csrf_token(forestry, "/sharing/new")}
    item = forestry.post("/api/v1/info-items", headers=headers, json={
        "title": "API 附件", "category": "enforcement", "sensitivity": "open"}).get_json()
    url = f"/api/v1/info-items/{item['id']}/attachments"
    created = forestry.post(url, headers=headers, content_type="multipart/form-data",
                            data={"file": (io.BytesIO(PDF), "许可.pdf")})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["original_name"] == "许可.pdf"
    refused = forestry.post(url, headers=headers, content_type="multipart/form-data",
                            data={"file": (io.BytesIO(b"MZ"), "x.pdf")})
    assert refused.status_code == 422 and "file" in refused.get_json()["error"]["fields"]
    listed = login_as("member", "police").get(url).get_json()
    assert [a["original_name"] for a in listed] == ["许可.pdf"]
