"""The listed-supervision rhythm (月询季报), shared by every supervised subject.

A supervised subject needs, from the month it was put under supervision until supervision
ends:

* a **monthly inquiry** (月询) for each calendar month, due by the end of that month;
* a **quarterly report** (季报) for each calendar quarter, due ``[inspections]
  supervision_report_due_days`` days after the quarter ends (default 10).

Periods are site-local (Asia/Shanghai). A period whose due time has passed without an entry
is *missing*: boards show it as overdue. Subjects (findings now, cases later) call
:func:`start` and :func:`end`; their own rules decide who may write entries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import db, savepoint, utcnow
from core.errors import InputError, StateConflict
from core.sharing.reports import Quarter
from core.supervision.models import ENTRY_KINDS, Supervision, SupervisionEntry
from core.timeutil import due_by, site_zone

MONTH_RE = re.compile(r"^((?:19|20)\d\d)-(0[1-9]|1[0-2])$")

KIND_LABELS = {"inquiry": _l("Monthly inquiry"), "report": _l("Quarterly report")}


class SupervisionError(InputError):
    """An entry or a start breaks a rule of the rhythm."""


@dataclass(frozen=True)
class Period:
    """One period of the rhythm: a month for inquiries, a quarter for reports."""

    kind: str
    label: str
    due_at: datetime

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _months(first: date, last: date) -> Iterable[date]:
    day = first.replace(day=1)
    while day <= last:
        yield day
        day = day.replace(year=day.year + 1, month=1) if day.month == 12 else day.replace(
            month=day.month + 1)


def _report_due_days() -> int:
    from core.app import kernel

    return kernel().settings["inspections"]["supervision_report_due_days"]


def periods(supervision: Supervision, now: datetime) -> list[Period]:
    """Every period the rhythm asks for, from the start until ``now`` (or the end of
    supervision), oldest first; the current month and quarter are included."""
    zone = site_zone()
    first = supervision.started_at.astimezone(zone).date()
    until = min(now, supervision.ended_at) if supervision.ended_at else now
    last = until.astimezone(zone).date()
    out: list[Period] = []
    for month in _months(first, max(first, last)):
        following = (month.replace(year=month.year + 1, month=1) if month.month == 12
                     else month.replace(month=month.month + 1))
        out.append(Period("inquiry", f"{month:%Y-%m}", due_by(following - timedelta(days=1))))
    quarter = Quarter.of(supervision.started_at)
    final = Quarter.of(max(until, supervision.started_at))
    days = _report_due_days()
    while (quarter.year, quarter.number) <= (final.year, final.number):
        out.append(Period("report", quarter.label,
                          due_by(quarter.next.first_day + timedelta(days=days - 1))))
        quarter = quarter.next
    return out


@dataclass
class Status:
    """Where a supervision stands: the entries filed and the periods missing."""

    supervision: Supervision
    entries: list[SupervisionEntry]
    missing: list[Period]
    expected: list[Period]

    @property
    def overdue(self) -> bool:
        return bool(self.missing)


def statuses(supervisions: list[Supervision], now: datetime | None = None
             ) -> dict[int, Status]:
    """The status of each supervision (one query for all their entries)."""
    now = now or utcnow()
    entries: dict[int, list[SupervisionEntry]] = {s.id: [] for s in supervisions}
    if supervisions:
        for entry in db.session.scalars(select(SupervisionEntry).where(
                SupervisionEntry.supervision_id.in_(list(entries)))
                .order_by(SupervisionEntry.created_at, SupervisionEntry.id)):
            entries[entry.supervision_id].append(entry)
    out = {}
    for s in supervisions:
        filed = {(e.kind, e.period) for e in entries[s.id]}
        expected = periods(s, now)
        # Once supervision has ended, nothing falls due any more.
        cutoff = min(now, s.ended_at) if s.ended_at else now
        missing = [p for p in expected if p.due_at < cutoff and (p.kind, p.label) not in filed]
        out[s.id] = Status(s, entries[s.id], missing, expected)
    return out


def board(subject_type: str, subjects: list[Any], now: datetime | None = None
          ) -> list[tuple[Any, Status]]:
    """``[(subject, status)]`` for supervised ``subjects`` (objects with ``.id``), those
    with missing entries first (two queries whatever the number)."""
    found = find(subject_type, [s.id for s in subjects])
    states = statuses(list(found.values()), now)
    rows = [(s, states[found[s.id].id]) for s in subjects if s.id in found]
    rows.sort(key=lambda row: not row[1].overdue)
    return rows


def find(subject_type: str, subject_ids: Iterable[int]) -> dict[int, Supervision]:
    """The supervisions (active or ended) of these subjects, by subject id (one query)."""
    ids = list(subject_ids)
    if not ids:
        return {}
    return {s.subject_id: s for s in db.session.scalars(select(Supervision).where(
        Supervision.subject_type == subject_type, Supervision.subject_id.in_(ids)))}


def start(subject_type: str, subject_id: int, unit_id: int, reason: str, user: Any,
          now: datetime | None = None) -> Supervision:
    """Put a subject under listed supervision (again, if it was before). Caller commits;
    :class:`core.errors.StateConflict` when someone listed it at the same moment."""
    if not reason.strip():
        raise SupervisionError({"reason": [str(_l("Say why it is supervised."))]})
    now = now or utcnow()
    existing = find(subject_type, [subject_id]).get(subject_id)
    if existing is not None:
        if existing.ended_at is None:
            raise SupervisionError({"reason": [str(_l("It is already under supervision."))]})
        existing.ended_at = None
        existing.started_at = now
        existing.reason = reason.strip()
        existing.unit_id = unit_id
        existing.started_by_id = user.id
        db.session.flush()
        return existing
    supervision = Supervision(subject_type=subject_type, subject_id=subject_id, unit_id=unit_id,
                              reason=reason.strip(), started_at=now, started_by_id=user.id)
    try:
        with savepoint():  # two at once: the UNIQUE constraint refuses one
            db.session.add(supervision)
    except IntegrityError:
        raise StateConflict(subject_id) from None
    return supervision


def end(subject_type: str, subject_id: int, now: datetime | None = None) -> None:
    """End the subject's supervision, if any (its entries are kept). Caller commits."""
    supervision = find(subject_type, [subject_id]).get(subject_id)
    if supervision is not None and supervision.ended_at is None:
        supervision.ended_at = now or utcnow()
        db.session.flush()


def open_periods(supervision: Supervision, now: datetime | None = None) -> list[Period]:
    """Periods an entry may be filed for: every one so far, current included, newest first."""
    return list(reversed(periods(supervision, now or utcnow())))


def add_entry(supervision: Supervision, kind: str, period: str, text: str, user: Any,
              now: datetime | None = None) -> SupervisionEntry:
    """File a monthly inquiry or a quarterly report for ``period``. Caller commits; the
    caller has checked that ``user`` may write this kind of entry."""
    now = now or utcnow()
    problems: dict[str, list[str]] = {}
    if supervision.ended_at is not None:
        problems["kind"] = [str(_l("Supervision has ended."))]
    if kind not in ENTRY_KINDS:
        problems["kind"] = [str(_l("Choose a monthly inquiry or a quarterly report."))]
    elif period not in {p.label for p in periods(supervision, now) if p.kind == kind}:
        problems["period"] = [str(_l("Choose a period since supervision began."))]
    if not text.strip():
        problems["text"] = [str(_l("Write the entry."))]
    if problems:
        raise SupervisionError(problems)
    entry = SupervisionEntry(supervision_id=supervision.id, kind=kind, period=period,
                             text=text.strip(), user_id=user.id,
                             department_id=user.department_id, created_at=now)
    db.session.add(entry)
    db.session.flush()
    return entry


# ------------------------------------------------------------------------- reminders

#: subject type -> ``describe(ids) -> {id: (subject text, link)}``, for reminders.
Describer = Callable[[list[int]], dict[int, tuple[str, str]]]


def _describers() -> dict[str, Describer]:
    from core.cases.services import describe_cases
    from core.inspections.services import describe_findings

    return {"finding": describe_findings, "case": describe_cases}


def deadline_source(now: datetime) -> list[Any]:
    """The current inquiry and report of every active supervision, for the reminder job:
    the office is reminded of inquiries, the responsible unit of quarterly reports."""
    from core.departments.services import office_department
    from core.notifications import services as notifications

    active = list(db.session.scalars(select(Supervision).where(
        Supervision.ended_at.is_(None)).order_by(Supervision.id)))
    if not active:
        return []
    office = office_department()
    office_users = notifications.department_users([office.id]) if office else []
    unit_users = notifications.users_by_department({s.unit_id for s in active},
                                                   roles=("liaison", "leader"))
    described: dict[str, dict[int, tuple[str, str]]] = {}
    for subject_type, describe in _describers().items():
        ids = [s.subject_id for s in active if s.subject_type == subject_type]
        described[subject_type] = describe(ids) if ids else {}
    reminders = []
    for status in statuses(active, now).values():
        s = status.supervision
        subject, link = described.get(s.subject_type, {}).get(s.subject_id, ("", ""))
        if not link:
            continue
        filed = {(e.kind, e.period) for e in status.entries}
        for period in status.expected:
            if (period.kind, period.label) in filed:
                continue
            recipients = office_users if period.kind == "inquiry" else unit_users[s.unit_id]
            reminders.append(notifications.Reminder(
                recipients=recipients, subject=f"{period.kind_label} {period.label}: {subject}",
                link=link, object_type=f"supervision.{period.kind}", object_id=s.id,
                due_at=period.due_at))
    return reminders
