"""Saving uploads safely and finding them again.

* The type is decided by the file's content (magic bytes, and the parts inside Office
  files), and must agree with the extension: a script renamed ``.pdf`` is refused.
* Files get random names under ``[uploads] path``; the original name is only metadata.
* Size is limited by ``[uploads] max_size_mb`` (Flask refuses larger requests with 413).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.attachments.models import Attachment
from core.db import db

#: extension -> (kind detected from content, MIME type served back)
ALLOWED = {
    "pdf": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("pptx",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "doc": ("ole", "application/msword"),
    "xls": ("ole", "application/vnd.ms-excel"),
    "txt": ("text", "text/plain; charset=utf-8"),
    "csv": ("text", "text/csv; charset=utf-8"),
}
OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


class UploadError(ValueError):
    """The file was refused; the message says why in the user's language."""


@dataclass
class Upload:
    """A file as received: its name and a binary stream."""

    filename: str
    stream: IO[bytes]


def detect(path: Path) -> str | None:
    """The kind of file at ``path`` from its content, or None if it is not an allowed kind."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            for kind, prefix in OOXML_PARTS.items():
                if any(name.startswith(prefix) for name in names):
                    return kind
        return None
    with open(path, "rb") as fh:
        sample = fh.read(64 * 1024)
    if b"\x00" in sample:
        return None
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # a character cut at the sample's end is fine
            return None
    return "text"


def upload_root() -> Path:
    """The configured upload folder."""
    from core.app import kernel

    return Path(kernel().settings["uploads"]["path"])


def _path_for(stored_name: str) -> Path:
    return upload_root() / stored_name[:2] / stored_name


def save(upload: Upload, owner_type: str, owner_id: int, user: Any) -> Attachment:
    """Store ``upload`` for the owner; raise :class:`UploadError` if refused. Caller commits.

    The file is written before the row; if the transaction fails, :func:`discard` removes it.
    """
    from core.app import kernel

    original = os.path.basename((upload.filename or "").replace("\\", "/")).strip()
    if not original:
        raise UploadError(str(_l("The file has no name.")))
    extension = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    if extension not in ALLOWED:
        raise UploadError(str(_l("Files of type .%(ext)s are not accepted. Accepted: %(list)s.",
                                 ext=extension or "?", list=", ".join(sorted(ALLOWED)))))
    limit = kernel().settings["uploads"]["max_size_mb"] * 1024 * 1024
    stored_name = secrets.token_hex(16)
    path = _path_for(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(path, "wb") as out:
        while chunk := upload.stream.read(64 * 1024):
            size += len(chunk)
            if size > limit:
                out.close()
                path.unlink(missing_ok=True)
                raise UploadError(str(_l("The file is larger than %(n)s MB.",
                                         n=limit // (1024 * 1024))))
            digest.update(chunk)
            out.write(chunk)
    kind, mimetype = ALLOWED[extension]
    if size == 0 or detect(path) != kind:
        path.unlink(missing_ok=True)
        raise UploadError(str(_l("%(name)s is not a real .%(ext)s file.", name=original,
                                 ext=extension)))
    attachment = Attachment(owner_type=owner_type, owner_id=owner_id, stored_name=stored_name,
                            original_name=original[:255], content_type=mimetype, size=size,
                            sha256=digest.hexdigest(), uploaded_by_id=user.id)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def uploads_from(files: Any) -> list[Upload]:
    """The non-empty files of a form's file field (a list of werkzeug ``FileStorage``)."""
    return [Upload(f.filename, f.stream) for f in (files or []) if getattr(f, "filename", "")]


def find(owner_type: str, owner_id: int, attachment_id: int) -> Attachment | None:
    """Attachment ``attachment_id`` if it belongs to that owner (else None: a 404)."""
    return db.session.scalar(select(Attachment).where(
        Attachment.id == attachment_id, Attachment.owner_type == owner_type,
        Attachment.owner_id == owner_id))


def discard(attachments: list[Attachment]) -> None:
    """Remove the files of attachments whose transaction did not commit."""
    for attachment in attachments:
        _path_for(attachment.stored_name).unlink(missing_ok=True)


def path_of(attachment: Attachment) -> Path:
    """Where the file of ``attachment`` is stored."""
    return _path_for(attachment.stored_name)


def send(attachment: Attachment) -> Any:
    """Serve ``attachment`` as a download under its original name (callers have checked
    access to its owner on this very request)."""
    from flask import send_file

    response = send_file(path_of(attachment), mimetype=attachment.content_type,
                         as_attachment=True, download_name=attachment.original_name,
                         conditional=False, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def attachments_of(owner_type: str, owner_ids: list[int]) -> dict[int, list[Attachment]]:
    """Attachments of several owners in one query."""
    out: dict[int, list[Attachment]] = {i: [] for i in owner_ids}
    if owner_ids:
        for attachment in db.session.scalars(
            select(Attachment).where(Attachment.owner_type == owner_type,
                                     Attachment.owner_id.in_(owner_ids))
            .order_by(Attachment.id)
        ):
            out[attachment.owner_id].append(attachment)
    return out


def remove(attachment: Attachment) -> Path:
    """Delete an attachment's row (audited); returns its file, to unlink after the commit."""
    db.session.delete(attachment)
    db.session.flush()
    return _path_for(attachment.stored_name)
