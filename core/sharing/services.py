"""Information items: publishing, editing with versions and optimistic locking, querying.

The UI, the API and exports all call these; visibility always comes from
:func:`core.access.visible_items`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select, update

from core import audit
from core.access import may_edit_item, visible_items
from core.accounts.models import User
from core.attachments import storage
from core.attachments.models import Attachment
from core.attachments.storage import Upload, UploadError
from core.db import db, utcnow
from core.departments.models import Department
from core.errors import InputError
from core.notifications.services import notify_item_shared
from core.sharing.models import (
    SENSITIVITIES,
    InfoItem,
    InfoItemDepartment,
    InfoItemReader,
    InfoItemVersion,
)
from core.timeutil import day_start

VERSIONED_FIELDS = ("title", "body", "category", "sensitivity", "reference_no", "consult_at",
                    "location_name", "lat", "lng", "tags", "valid_from", "valid_until")


class SharingError(InputError):
    """Input breaks a rule of information sharing; ``fields`` maps names to messages."""


class StaleEdit(Exception):
    """Someone saved the item since the editor loaded it; nothing was overwritten."""

    def __init__(self, item: InfoItem):
        super().__init__(f"item {item.id} is at version {item.version}")
        self.item = item


@dataclass
class ItemInput:
    """What a person fills in for an item (from the form or the API)."""

    title: str
    category: str
    sensitivity: str
    body: str = ""
    shared_with: list[str] = field(default_factory=list)  # department codes
    readers: list[str] = field(default_factory=list)  # usernames
    reference_no: str = ""
    consult_at: str = ""
    location_name: str = ""
    lat: float | None = None
    lng: float | None = None
    tags: str = ""
    valid_from: date | None = None
    valid_until: date | None = None


def category_codes() -> set[str]:
    """Every sharing category: the core's five and the loaded plugins'."""
    from core.app import kernel

    return {c["code"] for c in kernel().sharing_categories}


def _validate(data: ItemInput) -> tuple[list[Department], list[User]]:
    errors: dict[str, list[str]] = {}

    def err(name: str, message: Any) -> None:
        errors.setdefault(name, []).append(str(message))

    if not data.title.strip():
        err("title", _l("A title is required."))
    if data.category not in category_codes():
        err("category", _l("Unknown category."))
    if data.sensitivity not in SENSITIVITIES:
        err("sensitivity", _l("Unknown sensitivity."))
    if data.sensitivity == "classified":
        if data.body.strip():
            err("body", _l("Classified content may not be stored on this system: keep only "
                           "the register entry (title, reference number, where to consult it)."))
        if not data.reference_no.strip():
            err("reference_no", _l("A classified register entry needs its reference number."))
        if not data.consult_at.strip():
            err("consult_at", _l("Say where the document can be consulted offline."))
    departments = list(db.session.scalars(select(Department).where(
        Department.code.in_(data.shared_with), Department.active.is_(True)))) if (
        data.shared_with) else []
    unknown = set(data.shared_with) - {d.code for d in departments}
    if unknown:
        err("shared_with", _l("Unknown departments: %(codes)s", codes=", ".join(sorted(unknown))))
    if data.sensitivity in ("internal", "classified") and not data.shared_with:
        err("shared_with", _l("Name at least one department to share with."))
    readers = list(db.session.scalars(select(User).where(
        User.username.in_(data.readers), User.active.is_(True)))) if data.readers else []
    missing = set(data.readers) - {u.username for u in readers}
    if missing:
        err("readers", _l("Unknown users: %(names)s", names=", ".join(sorted(missing))))
    if data.sensitivity == "sensitive" and not data.readers:
        err("readers", _l("Name at least one person who may read it."))
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        err("valid_until", _l("The end of validity is before its start."))
    if data.lat is not None and not -90 <= data.lat <= 90:
        err("lat", _l("Latitude is between -90 and 90."))
    if data.lng is not None and not -180 <= data.lng <= 180:
        err("lng", _l("Longitude is between -180 and 180."))
    if errors:
        raise SharingError(errors)
    return departments, readers


def _apply(item: InfoItem, data: ItemInput, departments: list[Department],
           readers: list[User]) -> list[str]:
    changed = []
    values = {name: getattr(data, name) for name in VERSIONED_FIELDS}
    values["title"] = values["title"].strip()
    if data.sensitivity == "classified":
        # A register entry is title, owner, reference number and where to consult it.
        values.update(body="", location_name="", lat=None, lng=None, tags="",
                      valid_from=None, valid_until=None)
    for name, value in values.items():
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed.append(name)
    # Audience: only what the sensitivity uses is kept.
    keep_departments = departments if data.sensitivity in ("internal", "classified") else []
    keep_readers = readers if data.sensitivity == "sensitive" else []
    if {s.department_id for s in item.shared_with} != {d.id for d in keep_departments}:
        item.shared_with = [InfoItemDepartment(department_id=d.id) for d in keep_departments]
        changed.append("shared_with")
    if {r.user_id for r in item.readers} != {u.id for u in keep_readers}:
        item.readers = [InfoItemReader(user_id=u.id) for u in keep_readers]
        changed.append("readers")
    return changed


def create_item(user: User, data: ItemInput) -> InfoItem:
    """Publish an item for ``user``'s department. Caller commits."""
    departments, readers = _validate(data)
    item = InfoItem(department_id=user.department_id, created_by_id=user.id, body="",
                    reference_no="", consult_at="", location_name="", tags="")
    _apply(item, data, departments, readers)
    db.session.add(item)
    db.session.flush()
    db.session.add(InfoItemVersion(item_id=item.id, number=item.version, title=item.title,
                                   body=item.body, changed_fields="created",
                                   changed_by_id=user.id))
    notify_item_shared(item)
    return item


def update_item(user: User, item: InfoItem, data: ItemInput, expected_version: int) -> bool:
    """Save an edit made on ``expected_version``; raise :class:`StaleEdit` if it is stale.

    Returns whether anything changed. Caller commits (a concurrent save that slips past the
    check is still caught by the version column at flush: ``StaleDataError``).
    """
    if item.version != expected_version:
        raise StaleEdit(item)
    departments, readers = _validate(data)
    if data.sensitivity == "classified" and item_attachments(item):
        raise SharingError({"sensitivity": [str(_l(
            "Remove the attachments first: a classified register entry keeps no files."))]})
    changed = _apply(item, data, departments, readers)
    if not changed:
        return False
    item.updated_at = utcnow()  # an UPDATE of the row even when only the audience changed
    if item.sensitivity == "classified":
        # Content may not stay on the system in earlier versions either.
        erased = db.session.execute(
            update(InfoItemVersion).where(InfoItemVersion.item_id == item.id,
                                          InfoItemVersion.body != "")
            .values(body="").execution_options(synchronize_session=False)).rowcount
        if erased:
            audit.record("update", InfoItemVersion.__tablename__, None,
                         {"item_id": [item.id, item.id], "body": ["[redacted]", "erased"],
                          "versions": [erased, erased]})
    db.session.flush()
    db.session.add(InfoItemVersion(item_id=item.id, number=item.version, title=item.title,
                                   body=item.body, changed_fields=",".join(changed),
                                   changed_by_id=user.id))
    notify_item_shared(item)  # people newly named are told; nobody twice
    return True


OWNER_TYPE = "info_item"


def add_attachments(user: User, item: InfoItem, uploads: list[Upload]) -> list[Attachment]:
    """Store files on ``item``. Classified register entries take none. Caller commits, and
    calls :func:`core.attachments.storage.discard` on the result if the commit fails."""
    if not uploads:
        return []
    if item.sensitivity == "classified":
        raise UploadError(str(_l("Classified register entries take no files.")))
    saved: list[Attachment] = []
    try:
        for upload in uploads:
            saved.append(storage.save(upload, OWNER_TYPE, item.id, user))
    except UploadError:
        storage.discard(saved)
        raise
    return saved


def item_attachments(item: InfoItem) -> list[Attachment]:
    """The files of ``item`` (callers have checked the item is visible)."""
    return storage.attachments_of(OWNER_TYPE, [item.id])[item.id]


def get_attachment(item: InfoItem, attachment_id: int) -> Attachment | None:
    """Attachment ``attachment_id`` if it belongs to ``item``."""
    return storage.find(OWNER_TYPE, item.id, attachment_id)


def get_visible_item(user: User, item_id: int) -> InfoItem | None:
    """The item if ``user`` may see it (None otherwise: callers answer 404, not 403)."""
    return db.session.scalar(select(InfoItem).where(InfoItem.id == item_id,
                                                    visible_items(user)))


def may_edit(user: User, item: InfoItem) -> bool:
    """Whether ``user`` may edit ``item``."""
    return may_edit_item(user, item)


#: The orders people can choose for item lists (the id breaks ties, so pages are stable).
ITEM_SORTS = {
    "newest": (InfoItem.created_at.desc(), InfoItem.id.desc()),
    "oldest": (InfoItem.created_at, InfoItem.id),
    "title": (InfoItem.title, InfoItem.id),
    "updated": (InfoItem.updated_at.desc(), InfoItem.id.desc()),
}


@dataclass
class ItemFilters:
    """List filters shared by the page, the API and the export."""

    q: str = ""
    category: str = ""
    department: str = ""
    sensitivity: str = ""
    since: date | None = None
    until: date | None = None
    tag: str = ""
    sort: str = "newest"  # one of ITEM_SORTS


def item_query(user: User, filters: ItemFilters) -> Select[Any]:
    """Visible items matching ``filters``, newest first."""
    stmt = select(InfoItem).where(visible_items(user))
    if filters.q:
        stmt = stmt.where(or_(*(column.icontains(filters.q, autoescape=True) for column in (
            InfoItem.title, InfoItem.body, InfoItem.tags, InfoItem.reference_no,
            InfoItem.location_name))))
    if filters.category:
        stmt = stmt.where(InfoItem.category == filters.category)
    if filters.department:
        stmt = stmt.join(Department, Department.id == InfoItem.department_id).where(
            Department.code == filters.department)
    if filters.sensitivity:
        stmt = stmt.where(InfoItem.sensitivity == filters.sensitivity)
    if filters.tag:
        stmt = stmt.where(InfoItem.tags.icontains(filters.tag, autoescape=True))
    if filters.since:
        stmt = stmt.where(InfoItem.created_at >= day_start(filters.since))
    if filters.until:
        stmt = stmt.where(InfoItem.created_at < day_start(filters.until, end=True))
    return stmt.order_by(*ITEM_SORTS.get(filters.sort, ITEM_SORTS["newest"]))


def versions(item: InfoItem) -> list[InfoItemVersion]:
    """The item's saved versions, newest first."""
    return list(db.session.scalars(select(InfoItemVersion).where(
        InfoItemVersion.item_id == item.id).order_by(InfoItemVersion.number.desc())))
