"""Information sharing pages: list with filters, publish, detail, edit, versions, export."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from core.access import business_only
from core.app import kernel
from core.attachments.storage import UploadError, discard, remove, send, uploads_from
from core.db import db, paginate
from core.departments.services import active_departments
from core.exports import xlsx_response
from core.forms import select_choices
from core.sharing import services
from core.sharing.forms import SENSITIVITY_LABELS, ItemForm
from core.sharing.models import SENSITIVITIES, InfoItem
from core.timeutil import parse_day

bp = business_only(Blueprint("sharing", __name__, url_prefix="/sharing"))

EXPORT_HEADERS = ["编号", "标题", "类别", "发布部门", "密级", "文号", "地点", "标签",
                  "有效期起", "有效期止", "发布人", "发布时间"]


def category_choices() -> list[tuple[str, str]]:
    """Category options in the user's language."""
    english = str(get_locale()).startswith("en")
    return [(c["code"], c["name_en"] if english else c["name_zh"])
            for c in kernel().sharing_categories]


def category_label(code: str) -> str:
    """A category's name in the user's language (the table is built once per request,
    since lists and exports ask for every row)."""
    labels = g.get("forestchief_category_labels")
    if labels is None:
        labels = g.forestchief_category_labels = dict(category_choices())
    return labels.get(code, code)


def filters_from_args() -> services.ItemFilters:
    """List filters from the query string (bad values are ignored, not errors)."""
    args = request.args
    sensitivity = args.get("sensitivity", "")
    return services.ItemFilters(
        q=args.get("q", "").strip()[:100], category=args.get("category", ""),
        department=args.get("department", ""),
        sensitivity=sensitivity if sensitivity in SENSITIVITIES else "",
        since=parse_day(args.get("since")), until=parse_day(args.get("until")),
        tag=args.get("tag", "").strip()[:50],
        sort=args.get("sort") if args.get("sort") in services.ITEM_SORTS else "newest")


@bp.route("/")
def index() -> Any:
    """Items the user may see, filtered and paginated."""
    filters = filters_from_args()
    page = paginate(services.item_query(current_user, filters),
                    per_page=kernel().settings["ui"]["per_page"])
    return render_template("sharing/index.html", page=page, filters=filters,
                           categories=category_choices(), departments=active_departments(),
                           sensitivities=SENSITIVITY_LABELS, category_label=category_label)


@bp.route("/export.xlsx")
def export() -> Any:
    """The filtered list as an Excel file (same visibility, streamed from a temp file)."""
    stmt = services.item_query(current_user, filters_from_args())

    def rows() -> Any:
        for item in db.session.scalars(stmt.execution_options(yield_per=500)):
            yield [item.id, item.title, category_label(item.category), item.department.name_zh,
                   str(SENSITIVITY_LABELS[item.sensitivity]), item.reference_no,
                   item.location_name, item.tags, item.valid_from, item.valid_until,
                   item.created_by.display_name, item.created_at]

    return xlsx_response("信息共享", EXPORT_HEADERS, rows(), "info-items.xlsx")


def _input(form: ItemForm) -> services.ItemInput:
    return services.ItemInput(
        title=form.title.data or "", category=form.category.data or "",
        sensitivity=form.sensitivity.data or "", body=form.body.data or "",
        shared_with=list(form.shared_with.data or []),
        readers=[r.strip() for r in (form.readers.data or "").split(",") if r.strip()],
        reference_no=(form.reference_no.data or "").strip(),
        consult_at=(form.consult_at.data or "").strip(),
        location_name=(form.location_name.data or "").strip(), lat=form.lat.data,
        lng=form.lng.data, tags=(form.tags.data or "").strip(),
        valid_from=form.valid_from.data, valid_until=form.valid_until.data)


def _form(obj: InfoItem | None = None) -> ItemForm:
    # The item pre-fills the form only on GET: a POST carries every field itself.
    form = ItemForm(obj=obj) if request.method == "GET" else ItemForm()
    form.category.choices = select_choices(category_choices())
    form.sensitivity.choices = select_choices(SENSITIVITY_LABELS.items())
    form.shared_with.choices = select_choices((d.code, d.name_zh) for d in active_departments())
    if obj is not None and request.method == "GET":
        form.shared_with.data = [s.department.code for s in obj.shared_with]
        form.readers.data = ", ".join(r.user.username for r in obj.readers)
        form.version.data = str(obj.version)
    return form


def _save_files(form: ItemForm, item: InfoItem) -> bool:
    """Store the form's files on ``item``; on refusal put the reason on the field."""
    try:
        saved = services.add_attachments(current_user, item, uploads_from(form.files.data))
    except UploadError as exc:
        form.files.errors = [*form.files.errors, str(exc)]
        return False
    g.saved_files = saved
    return True


@bp.teardown_request
def _discard_uncommitted_files(exc: BaseException | None) -> None:
    # Files written for a request whose transaction did not commit are removed.
    saved = g.pop("saved_files", None)
    if saved and g.pop("files_committed", False) is False:
        discard(saved)


def _commit() -> None:
    db.session.commit()
    g.files_committed = True


def _field_errors(form: ItemForm, error: services.SharingError) -> None:
    for name, messages in error.fields.items():
        getattr(form, name).errors = list(getattr(form, name).errors) + messages


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    """Publish an item for the user's department."""
    form = _form()
    if form.validate_on_submit():
        try:
            item = services.create_item(current_user, _input(form))
        except services.SharingError as exc:
            _field_errors(form, exc)
        else:
            if _save_files(form, item):
                _commit()
                flash(_("Published."), "success")
                return redirect(url_for("sharing.detail", item_id=item.id))
            db.session.rollback()
    return render_template("sharing/form.html", form=form, item=None), (
        400 if form.errors else 200)


def _visible(item_id: int) -> InfoItem:
    item = services.get_visible_item(current_user, item_id)
    if item is None:
        abort(404)
    return item


@bp.route("/<int:item_id>")
def detail(item_id: int) -> Any:
    """One item (404 when the user may not see it: its existence is not revealed)."""
    item = _visible(item_id)
    return render_template("sharing/detail.html", item=item, may_edit=services.may_edit(
        current_user, item), category_label=category_label, sensitivities=SENSITIVITY_LABELS,
        attachments=services.item_attachments(item))


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
def edit(item_id: int) -> Any:
    """Edit an item; a save based on an older version is refused with 409."""
    item = _visible(item_id)
    if not services.may_edit(current_user, item):
        abort(403)
    form = _form(item)
    if form.validate_on_submit():
        try:
            expected = int(form.version.data) if (form.version.data or "").isdigit() else 0
            changed = services.update_item(current_user, item, _input(form), expected)
            if not _save_files(form, item):
                raise _FilesRefused
            changed = changed or bool(g.get("saved_files"))
            _commit()
        except services.SharingError as exc:
            db.session.rollback()
            _field_errors(form, exc)
        except _FilesRefused:
            db.session.rollback()
        except (services.StaleEdit, StaleDataError):
            db.session.rollback()
            newer = services.get_visible_item(current_user, item_id)
            form.version.data = str(newer.version) if newer else form.version.data
            return render_template("sharing/form.html", form=form, item=newer,
                                   conflict=newer), 409
        else:
            flash(_("Saved.") if changed else _("Nothing changed."),
                  "success" if changed else "info")
            return redirect(url_for("sharing.detail", item_id=item.id))
    return render_template("sharing/form.html", form=form, item=item), (
        400 if form.errors else 200)


class _FilesRefused(Exception):
    """An upload was refused; the form shows why and nothing is saved."""


@bp.route("/<int:item_id>/attachments/<int:attachment_id>")
def download(item_id: int, attachment_id: int) -> Any:
    """Serve a file, checking the item's visibility on every request."""
    item = _visible(item_id)
    attachment = services.get_attachment(item, attachment_id)
    if attachment is None:
        abort(404)
    return send(attachment)


@bp.route("/<int:item_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
def delete_attachment(item_id: int, attachment_id: int) -> Any:
    """Remove a file from an item (editors of the publishing department)."""
    item = _visible(item_id)
    if not services.may_edit(current_user, item):
        abort(403)
    attachment = services.get_attachment(item, attachment_id)
    if attachment is None:
        abort(404)
    path = remove(attachment)
    db.session.commit()
    path.unlink(missing_ok=True)
    flash(_("Attachment removed."), "info")
    return redirect(url_for("sharing.detail", item_id=item.id))


@bp.route("/<int:item_id>/versions")
def history(item_id: int) -> Any:
    """Who changed what, when: for the publishing department only, since earlier versions
    may have had another (narrower) audience than the item has now."""
    item = _visible(item_id)
    if not services.may_edit(current_user, item):
        abort(403)
    return render_template("sharing/versions.html", item=item,
                           versions=services.versions(item))
