"""Notices (通报) as issued: list, page, PDF, Word."""


from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
)
from flask_login import current_user

from core.access import business_only
from core.app import kernel
from core.db import paginate
from core.inspections import notices as notice_service

bp = business_only(Blueprint("notices", __name__, url_prefix="/notices"))


# ---------------------------------------------------------------------------- notices


def _visible_notice(notice_id: int) -> Any:
    found = notice_service.get_visible_notice(current_user, notice_id)
    if found is None:
        abort(404)
    return found


@bp.route("/")
def index() -> Any:
    """Notices circulated to the user's unit, newest first."""
    q = request.args.get("q", "").strip()
    page = paginate(notice_service.notice_query(current_user, q=q),
                    per_page=kernel().settings["ui"]["per_page"])
    return render_template("notices/index.html", page=page, q=q)


@bp.route("/<int:notice_id>")
def detail(notice_id: int) -> Any:
    """The notice as issued."""
    notice = _visible_notice(notice_id)
    return render_template("notices/detail.html", notice=notice, content=notice.content)


@bp.route("/<int:notice_id>.pdf")
def pdf(notice_id: int) -> Any:
    """The notice as a PDF (Chinese fonts embedded)."""
    notice = _visible_notice(notice_id)
    return _download(notice_service.pdf_bytes(notice), "application/pdf",
                     f"notice-{notice.id}.pdf")


@bp.route("/<int:notice_id>.docx")
def docx(notice_id: int) -> Any:
    """The notice as a Word document, for editing."""
    notice = _visible_notice(notice_id)
    return _download(notice_service.docx_bytes(notice),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     f"notice-{notice.id}.docx")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response

