"""Department rules: syncing from configuration, switching plugins on per department."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core.config import ConfigError, load_departments
from core.db import db, utcnow
from core.departments.models import (
    DEPARTMENT_KINDS,
    LOCAL_KINDS,
    Department,
    DepartmentPlugin,
)

SYNCED_FIELDS = ("name_zh", "name_en", "duties", "plugin", "kind")


@dataclass
class SyncReport:
    """What a sync changed, department codes per kind of change."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deactivated or self.reactivated)


def sync_departments(path: Path, known_plugins: set[str]) -> SyncReport:
    """Make the departments table match ``path``: add, update, deactivate (never delete).

    The whole file is validated before anything is written; the caller commits, so a bad
    file changes nothing. A department gets its configured plugin switched on when it is
    added (its leader may change that later; a sync never overrides the leader's choice).
    Villages and the township government (``villages.toml``) are left alone.
    """
    entries = load_departments(path, known_plugins)
    local_codes = set(db.session.scalars(select(Department.code).where(
        Department.kind.in_(LOCAL_KINDS))))
    clashes = [(f"department[{i}].code", f"code {e['code']!r} is a village's or the "
                "township's code in the villages file")
               for i, e in enumerate(entries) if e["code"] in local_codes]
    if clashes:
        raise ConfigError(path, clashes)
    return _sync_units(entries, DEPARTMENT_KINDS)


def sync_villages(path: Path) -> SyncReport:
    """Make the township government and the villages match ``villages.toml`` (same rules as
    :func:`sync_departments`; departments are left alone). Caller commits."""
    from core.config import load_villages

    department_codes = set(db.session.scalars(select(Department.code).where(
        Department.kind.not_in(LOCAL_KINDS))))
    entries = load_villages(path, department_codes)
    for entry in entries:
        entry.pop("key")
        entry["plugin"] = None
    return _sync_units(entries, LOCAL_KINDS)


def _sync_units(entries: list[dict[str, Any]], kinds: tuple[str, ...]) -> SyncReport:
    report = SyncReport()
    existing = {d.code: d for d in db.session.scalars(
        select(Department).where(Department.kind.in_(kinds)))}
    for position, entry in enumerate(entries):
        department = existing.pop(entry["code"], None)
        if department is None:
            department = Department(code=entry["code"], position=position, active=True,
                                    **{f: entry[f] for f in SYNCED_FIELDS})
            if entry["plugin"]:
                department.plugin_choices.append(DepartmentPlugin(plugin=entry["plugin"]))
            db.session.add(department)
            report.added.append(entry["code"])
            continue
        changed = False
        for name in SYNCED_FIELDS:
            if getattr(department, name) != entry[name]:
                setattr(department, name, entry[name])
                changed = True
        if department.position != position:
            department.position = position
            changed = True
        if not department.active:
            department.active = True
            report.reactivated.append(department.code)
        elif changed:
            report.updated.append(department.code)
        else:
            report.unchanged.append(department.code)
    for department in existing.values():
        if department.active:
            department.active = False
            report.deactivated.append(department.code)
    db.session.flush()
    return report


def set_department_plugins(department: Department, wanted: set[str], available: set[str]) -> bool:
    """Switch on exactly ``wanted`` (a subset of ``available``) for ``department``.

    Plugins that are not available right now are left as they are, so disabling a plugin
    for the installation does not lose the departments' choices. Returns whether anything
    changed. Each change is an insert or delete, hence audited. Caller commits.
    """
    unknown = wanted - available
    if unknown:
        raise ValueError(f"not available: {', '.join(sorted(unknown))}")
    current = {c.plugin: c for c in department.plugin_choices}
    changed = False
    for name in available:
        if name in wanted and name not in current:
            department.plugin_choices.append(DepartmentPlugin(plugin=name, enabled_at=utcnow()))
            changed = True
        elif name not in wanted and name in current:
            department.plugin_choices.remove(current[name])
            changed = True
    db.session.flush()
    return changed


def active_departments() -> list[Department]:
    """Active departments (the office included, villages not) in configuration order."""
    return list(db.session.scalars(
        select(Department).where(Department.active.is_(True),
                                 Department.kind.in_(DEPARTMENT_KINDS))
        .order_by(Department.position)))


def active_local_units() -> list[Department]:
    """The township government, then the active villages, in configuration order."""
    return list(db.session.scalars(
        select(Department).where(Department.active.is_(True), Department.kind.in_(LOCAL_KINDS))
        .order_by(Department.kind, Department.position)))


def department_id(code: str) -> int | None:
    """The id of the department (or village) with ``code``, if any."""
    return db.session.scalar(select(Department.id).where(Department.code == code))


def office_department() -> Department | None:
    """The office (林长办)."""
    return db.session.scalar(select(Department).where(Department.kind == "office"))


def liaisons_by_department(department_ids: list[int], limit: int = 3) -> dict[int, list[Any]]:
    """Up to ``limit`` active liaisons of each department, in one query.

    Bounded so a page's cost does not grow with the number of accounts.
    """
    from core.accounts.models import User

    out: dict[int, list[Any]] = {i: [] for i in department_ids}
    if not department_ids:
        return out
    rank = func.row_number().over(partition_by=User.department_id,
                                  order_by=User.username).label("rank")
    ranked = (select(User.id, rank)
              .where(User.department_id.in_(department_ids), User.role == "liaison",
                     User.active.is_(True))
              .subquery())
    stmt = (select(User).join(ranked, ranked.c.id == User.id)
            .where(ranked.c.rank <= limit).order_by(User.username))
    for user in db.session.scalars(stmt):
        out[user.department_id].append(user)
    return out
