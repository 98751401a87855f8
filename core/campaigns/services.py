"""Special campaigns: creation from a template, who may do what, the ledger's rows and cells.

Who may do what (one place, used by pages, the API and the Excel import alike):

* see (:func:`core.access.visible_campaigns`): the office; the departments taking part (the
  leadership group's, the campaign office's, the reporting and ledger departments);
* create: the office, or a department's leader (jiaocheng's campaign was the natural
  resources bureau's); manage (edit the campaign, its footer, close it): the office or the
  campaign office department's liaison or leader;
* ledger rows (the core columns): any department taking part adds them; the department that
  entered a row and the campaign office edit its core columns;
* a department's column group: only that department's people (403 for everyone else, the
  office included: each department answers for its own figures).
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core import access
from core.access import BUSINESS_ROLES, DEPARTMENT_VOICES, visible_campaigns
from core.accounts.models import User
from core.campaigns.config import Template, phase_dates, shift
from core.campaigns.layout import plain_number
from core.campaigns.models import (
    Campaign,
    CampaignDepartment,
    CampaignLeader,
    CampaignPhase,
    CampaignReport,
    LedgerCell,
    LedgerRow,
)
from core.config import ConfigError
from core.db import db, savepoint, utcnow
from core.departments.models import Department
from core.errors import InputError, StateConflict
from core.timeutil import due_by, local_day, site_zone

#: Yes/no cells: what people type (Chinese first) -> 1 or 0.
YES = ("是", "yes", "y", "true", "1", "已恢复", "已取缔")
NO = ("否", "no", "n", "false", "0", "未恢复", "未取缔")
#: The widest figure a cell holds (Numeric(16, 2)).
MAX_AMOUNT = Decimal("99999999999999.99")


# --------------------------------------------------------------------------- access


def may_create(user: Any) -> bool:
    """The office, or a department's leader."""
    if not getattr(user, "is_authenticated", False) or user.role not in BUSINESS_ROLES:
        return False
    return access.is_office(user) or (user.role == "leader"
                                      and user.department.kind != "village")


def may_manage(user: Any, campaign: Campaign) -> bool:
    """The office, or the campaign office department's liaison or leader."""
    if not getattr(user, "is_authenticated", False) or user.role not in BUSINESS_ROLES:
        return False
    return access.is_office(user) or (user.department_id == campaign.office_department_id
                                      and user.role in DEPARTMENT_VOICES)


def takes_part(user: Any, campaign: Campaign) -> bool:
    return (getattr(user, "is_authenticated", False) and user.role in BUSINESS_ROLES
            and any(p.department_id == user.department_id for p in campaign.participants))


def may_add_row(user: Any, campaign: Campaign) -> bool:
    return campaign.state == "active" and (takes_part(user, campaign)
                                           or may_manage(user, campaign))


def may_edit_core(user: Any, campaign: Campaign, row: LedgerRow) -> bool:
    """The campaign office (or the office) and the department that entered the row."""
    return campaign.state == "active" and (
        may_manage(user, campaign)
        or (takes_part(user, campaign) and row.department_id == user.department_id))


def may_edit_group(user: Any, campaign: Campaign, group_key: str) -> bool:
    """Only the group's own department fills its columns."""
    group = next((g for g in campaign.groups if g["key"] == group_key), None)
    return (campaign.state == "active" and group is not None
            and getattr(user, "is_authenticated", False) and user.role in BUSINESS_ROLES
            and user.department.code == group["department"])


def own_group(user: Any, campaign: Campaign) -> dict[str, Any] | None:
    """The column group ``user``'s department fills, if any."""
    return next((g for g in campaign.groups if may_edit_group(user, campaign, g["key"])), None)


def get_visible_campaign(user: Any, campaign_id: int) -> Campaign | None:
    """The campaign if ``user`` may see it (callers answer 404 otherwise)."""
    return db.session.scalar(select(Campaign).where(Campaign.id == campaign_id,
                                                    visible_campaigns(user)))


def campaign_query(user: Any, state: str = "") -> Select[Any]:
    """The campaigns ``user`` sees, newest first (phases loaded with the page)."""
    stmt = (select(Campaign).where(visible_campaigns(user))
            .options(selectinload(Campaign.phases)))
    if state:
        stmt = stmt.where(Campaign.state == state)
    return stmt.order_by(Campaign.starts_on.desc(), Campaign.id.desc())


def get_row(campaign: Campaign, row_id: int) -> LedgerRow | None:
    return db.session.scalar(select(LedgerRow).where(LedgerRow.id == row_id,
                                                     LedgerRow.campaign_id == campaign.id))


# ------------------------------------------------------------------------ creation


@dataclass
class CampaignInput:
    """What may be changed when creating from a template (defaults: the template's)."""

    starts_on: date
    title: str = ""
    ledger_unit: str = ""


#: The days a campaign may start on: past campaigns may be recorded, absurd years are refused
#: (the phases, reports and tasks are computed from it).
FIRST_START, LAST_START = date(2000, 1, 1), date(2099, 12, 1)


def start_problem(day: date) -> str:
    """Why ``day`` cannot start a campaign ("" when it can)."""
    if FIRST_START <= day <= LAST_START:
        return ""
    return str(_l("Choose a day between %(first)s and %(last)s.",
                  first=FIRST_START.isoformat(), last=LAST_START.isoformat()))


def departments_by_code() -> dict[str, Department]:
    """The active departments (and villages) by code."""
    return {d.code: d for d in db.session.scalars(
        select(Department).where(Department.active.is_(True)))}


def _department(known: dict[str, Department], code: str, key: str,
                problems: list[tuple[str, str]]) -> Department | None:
    department = known.get(code)
    if department is None:
        problems.append((key, f"unknown or inactive department {code!r}"))
    return department


def ledger_layout(tpl: Template, known: dict[str, Department]) -> dict[str, Any]:
    """The ledger's column groups, asking each department's plugin through ``ledger_columns``
    (inline columns in the template are taken as they are). A group nobody answers is a
    :class:`ConfigError` naming the template file and key."""
    from core.app import kernel

    spec = tpl.data["ledger"]
    problems: list[tuple[str, str]] = []
    groups: list[dict[str, Any]] = []
    for index, entry in enumerate(spec["group"]):
        key = f"ledger.group[{index}]"
        department = _department(known, entry["department"], f"{key}.department", problems)
        if department is None:
            continue
        if isinstance(entry["columns"], list):
            answer: dict[str, Any] | None = {
                "title_zh": entry["title_zh"] or department.name_zh,
                "title_en": entry["title_en"] or department.name_en,
                "columns": entry["columns"]}
        else:
            answer = kernel().pm.hook.ledger_columns(campaign=tpl, department=department,
                                                    columns=entry["columns"])
        if not answer:
            problems.append((f"{key}.columns",
                             f"no enabled plugin offers the column set {entry['columns']!r} "
                             f"for {department.code!r}"))
            continue
        if any(g["department"] == department.code for g in groups):
            problems.append((f"{key}.department", "one group per department"))
            continue
        columns = [{"key": c["key"], "label_zh": c["label_zh"],
                    "label_en": c.get("label_en") or c["label_zh"], "kind": c["kind"],
                    "unit_zh": c.get("unit_zh", ""), "unit_en": c.get("unit_en", ""),
                    "subgroup_zh": c.get("subgroup_zh", ""),
                    "subgroup_en": c.get("subgroup_en", "")} for c in answer["columns"]]
        groups.append({"key": department.code, "department": department.code,
                       "title_zh": entry["title_zh"] or answer["title_zh"],
                       "title_en": entry["title_en"] or answer.get("title_en", ""),
                       "columns": columns})
    if problems:
        raise ConfigError(tpl.path, problems)
    return {"title": spec["title"], "units": spec["units"],
            "category_label_zh": spec["category_label_zh"],
            "category_label_en": spec["category_label_en"], "groups": groups}


def _local_deadline(day: date, at: str) -> datetime:
    hour, minute = (int(part) for part in at.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=site_zone())


def rhythm_days(days: list[int], starts_on: date, ends_on: date) -> list[date]:
    """The progress-report days between ``starts_on`` and ``ends_on``: each of ``days`` in
    every month, a day the month lacks being its last day (the 30th is 28 February)."""
    out: list[date] = []
    year, month = starts_on.year, starts_on.month
    while date(year, month, 1) <= ends_on:
        last = month_calendar.monthrange(year, month)[1]
        for day in sorted({min(d, last) for d in days}):
            moment = date(year, month, day)
            if starts_on <= moment <= ends_on:
                out.append(moment)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def report_slots(rhythm: dict[str, Any], starts_on: date, ends_on: date
                 ) -> list[tuple[str, str, datetime]]:
    """``(kind, title, due_at)`` of every report the rhythm asks of each department."""
    at = rhythm["time"]
    slots = [("progress", f"{d.year}年{d.month}月{d.day}日阶段工作进展情况",
              _local_deadline(d, at))
             for d in rhythm_days(rhythm["days"], starts_on, ends_on)]
    slots += [("staged", s["title"], _local_deadline(date.fromisoformat(s["due"]), at))
              for s in rhythm["staged"]]
    if rhythm.get("final"):
        final = rhythm["final"]
        slots.append(("final", final["title"],
                      _local_deadline(date.fromisoformat(final["due"]), at)))
    return slots


def create_from_template(by: User, tpl: Template, data: CampaignInput,
                         now: datetime | None = None) -> Campaign:
    """Create a campaign with its phases, leadership group, office, report slots, ledger
    layout and phase tasks in one transaction (the caller commits)."""
    from core.tasks import services as tasks

    now = now or utcnow()
    if not may_create(by):
        raise PermissionError("may not create campaigns")
    if problem := start_problem(data.starts_on):
        raise InputError.of(starts_on=problem)
    spec = tpl.data
    origin = spec["starts_on"]

    def moved(day: date) -> date:
        return shift(day, origin, data.starts_on)

    known = departments_by_code()
    problems: list[tuple[str, str]] = []
    office = _department(known, spec["office"]["department"], "office.department", problems)
    people = ([("leader", spec["leadership"]["leader"])]
              + [("deputy", p) for p in spec["leadership"]["deputies"]]
              + [("member", p) for p in spec["leadership"]["members"]])
    leaders = []
    for index, (role, person) in enumerate(people):
        department = _department(known, person["department"],
                                 f"leadership.{role}[{index}].department", problems)
        leaders.append((role, person, department))
    reporting = [_department(known, code, f"reports.departments[{i}]", problems)
                 for i, code in enumerate(spec["reports"]["departments"])]
    for p_index, phase in enumerate(spec["phase"]):
        for t_index, task in enumerate(phase["task"]):
            _department(known, task["department"],
                        f"phase[{p_index}].task[{t_index}].department", problems)
    if problems:
        raise ConfigError(tpl.path, problems)
    layout = ledger_layout(tpl, known)
    assert office is not None
    title = (data.title or spec["title"]).strip()[:200]
    if not title:
        raise InputError.of(title=_l("A campaign needs a title."))
    rhythm = {"days": list(spec["reports"]["days"]), "time": spec["reports"]["time"],
              "staged": [{"title": s["title"], "due": moved(s["due"]).isoformat()}
                         for s in spec["reports"]["staged"]],
              "final": ({"title": spec["reports"]["final"]["title"],
                         "due": moved(spec["reports"]["final"]["due"]).isoformat()}
                        if spec["reports"]["final"] else None)}
    phases = [CampaignPhase(position=i, key=p["key"], name_zh=p["name_zh"],
                            name_en=p["name_en"], starts_on=begins, ends_on=ends,
                            description=p["description"])
              for i, (p, (begins, ends)) in enumerate(zip(
                  spec["phase"], phase_dates(tpl, data.starts_on), strict=True))]
    campaign = Campaign(
        title=title, template=tpl.code, legal_basis="\n".join(spec["legal_basis"]),
        goals=spec["goals"], scope=spec["scope"],
        focus_offence_types=list(spec["focus_offence_types"]),
        office_department_id=office.id, office_location=spec["office"]["location"],
        office_director=spec["office"]["director"], office_deputy=spec["office"]["deputy"],
        office_staff=spec["office"]["staff"], starts_on=phases[0].starts_on,
        ends_on=max(p.ends_on for p in phases), state="active", rhythm=rhythm,
        ledger_layout=layout, ledger_unit=data.ledger_unit.strip()[:200],
        created_by_id=by.id, created_at=now, phases=phases)
    campaign.leaders = [CampaignLeader(position=i, role=role, name=person["name"],
                                       post=person["post"], department_id=department.id)
                        for i, (role, person, department) in enumerate(leaders)
                        if department is not None]
    reporting_ids = {d.id for d in reporting if d is not None}
    involved = [office.id, *reporting_ids, *(d.id for _, _, d in leaders if d is not None),
                *(known[g["department"]].id for g in layout["groups"])]
    campaign.participants = [CampaignDepartment(department_id=i, reports=i in reporting_ids)
                             for i in dict.fromkeys(involved)]
    db.session.add(campaign)
    db.session.flush()
    for department_id in sorted(reporting_ids):
        for kind, report_title, due_at in report_slots(rhythm, campaign.starts_on,
                                                       campaign.ends_on):
            db.session.add(CampaignReport(campaign_id=campaign.id, department_id=department_id,
                                          kind=kind, title=report_title, due_at=due_at))
    from core.notifications import services as notifications

    link = f"/campaigns/{campaign.id}"  # the campaign page (campaigns.detail)
    for department_id in dict.fromkeys(involved):
        if department_id != by.department_id:
            notifications.notify_department(department_id, "campaign.started", campaign.title,
                                            link, "campaign", campaign.id,
                                            roles=DEPARTMENT_VOICES)
    for phase, phase_spec in zip(phases, spec["phase"], strict=True):
        for task in phase_spec["task"]:
            due_at = due_by(moved(task["due"]) if task["due"] else phase.ends_on)
            if now < due_at <= now + tasks.MAX_SPAN:  # past phases get no tasks
                tasks.assign(by, known[task["department"]], task["title"],
                             task["description"], due_at, source_kind="campaign.phase",
                             source_id=campaign.id,
                             source_label=f"{campaign.title} · {phase.name_zh}",
                             source_path=f"/campaigns/{campaign.id}", now=now)
    db.session.flush()
    return campaign


def phase_tasks(campaign: Campaign) -> list[Any]:
    """The tasks the campaign's phases assigned (one query)."""
    from core.tasks.models import Task

    return list(db.session.scalars(select(Task).where(
        Task.source_kind == "campaign.phase", Task.source_id == campaign.id)
        .order_by(Task.due_at, Task.id)))


def update_footer(user: User, campaign: Campaign, reviewer: str, filed_on: date | None,
                  filed_by: str, unit: str) -> None:
    """The ledger's footer (审核人 / 填报时间 / 填报人) and 填报单位."""
    if not may_manage(user, campaign):
        raise PermissionError("not the campaign office")
    campaign.ledger_reviewer = reviewer.strip()[:100]
    campaign.ledger_filed_on = filed_on
    campaign.ledger_filed_by = filed_by.strip()[:100]
    campaign.ledger_unit = unit.strip()[:200]


def close(user: User, campaign: Campaign) -> None:
    if not may_manage(user, campaign):
        raise PermissionError("not the campaign office")
    if campaign.state != "active":
        raise StateConflict(campaign.id)
    campaign.state = "closed"


# --------------------------------------------------------------------------- ledger

#: The core's columns, in the document's order (序号 comes first, 备注 last).
CORE_FIELDS = ("county", "party", "location", "category")


def parse_cell(column: dict[str, Any], raw: Any) -> tuple[Decimal | None, str]:
    """A cell's value as typed (form, API or Excel) -> ``(amount, text)``.

    Empty means "not filled". Numbers may not be negative; counts are whole numbers; yes/no
    takes 是/否 (or yes/no, true/false, 1/0). Raises ``ValueError`` with the message to show.
    """
    kind = column["kind"]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, ""
    if kind == "text":
        text = str(raw).strip()
        if len(text) > 500:
            raise ValueError(str(_l("At most 500 characters.")))
        return None, text
    if kind == "boolean":
        if isinstance(raw, bool):
            return Decimal(int(raw)), "是" if raw else "否"
        word = str(raw).strip().lower()
        if word in YES:
            return Decimal(1), "是"
        if word in NO:
            return Decimal(0), "否"
        raise ValueError(str(_l("Enter 是 or 否 (yes or no).")))
    if isinstance(raw, bool):
        raise ValueError(str(_l("Enter a number.")))
    try:
        amount = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(str(_l("Enter a number."))) from None
    if not amount.is_finite():
        raise ValueError(str(_l("Enter a number.")))
    if amount < 0:
        raise ValueError(str(_l("Must not be negative.")))
    if amount > MAX_AMOUNT:
        raise ValueError(str(_l("The number is too large.")))
    if kind == "integer":
        if amount != amount.to_integral_value():
            raise ValueError(str(_l("Enter a whole number.")))
        return amount.quantize(Decimal(1)), ""
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(str(_l("At most two decimal places.")))
    return amount.quantize(Decimal("0.01")), ""


def check_core(data: dict[str, Any]) -> dict[str, str]:
    """The core columns' rules: field -> message."""
    problems: dict[str, str] = {}
    if not str(data.get("party") or "").strip():
        problems["party"] = str(_l("Name the company or person."))
    for name, width in (("county", 100), ("party", 200), ("location", 200),
                        ("category", 100)):
        if len(str(data.get(name) or "").strip()) > width:
            problems[name] = str(_l("At most %(n)s characters.", n=width))
    return problems


def check_group(group: dict[str, Any], values: dict[str, Any]
                ) -> tuple[dict[str, tuple[Decimal | None, str]], dict[str, str]]:
    """Parse a group's values: ``(column key -> parsed, column key -> message)``; keys the
    group does not have are refused."""
    columns = {c["key"]: c for c in group["columns"]}
    parsed: dict[str, tuple[Decimal | None, str]] = {}
    problems: dict[str, str] = {}
    for key, raw in values.items():
        if key not in columns:
            problems[key] = str(_l("No such column in this group."))
            continue
        try:
            parsed[key] = parse_cell(columns[key], raw)
        except ValueError as exc:
            problems[key] = str(exc)
    return parsed, problems


def _group(campaign: Campaign, group_key: str) -> dict[str, Any]:
    group = next((g for g in campaign.groups if g["key"] == group_key), None)
    if group is None:
        raise LookupError(group_key)
    return group


def _number(campaign: Campaign) -> int:
    return (db.session.scalar(select(func.max(LedgerRow.number)).where(
        LedgerRow.campaign_id == campaign.id)) or 0) + 1


def _phase_id(campaign: Campaign, phase_key: str | None, now: datetime) -> int | None:
    if phase_key:
        phase = next((p for p in campaign.phases if p.key == phase_key), None)
        if phase is None:
            raise InputError.of(phase=_l("No such phase in this campaign."))
        return phase.id
    current = campaign.current_phase(local_day(now))
    return current.id if current else None


def _case_id(user: User, case_id: int | None) -> int | None:
    if case_id is None:
        return None
    from core.access import visible_cases
    from core.cases.models import Case

    if db.session.scalar(select(Case.id).where(Case.id == case_id, visible_cases(user))) is None:
        raise InputError.of(case_id=_l("No such case, or you may not see it."))
    return case_id


def add_row(user: User, campaign: Campaign, data: dict[str, Any],
            now: datetime | None = None) -> LedgerRow:
    """A new row with the core columns (and the user's own group, if given in ``values``)."""
    now = now or utcnow()
    if not may_add_row(user, campaign):
        raise PermissionError("not taking part in the campaign")
    problems = check_core(data)
    if problems:
        raise InputError.of(**problems)
    row = LedgerRow(campaign_id=campaign.id, county=str(data.get("county") or "").strip(),
                    party=str(data["party"]).strip(),
                    location=str(data.get("location") or "").strip(),
                    category=str(data.get("category") or "").strip(),
                    remarks=str(data.get("remarks") or "").strip(),
                    phase_id=_phase_id(campaign, data.get("phase"), now),
                    case_id=_case_id(user, data.get("case_id")),
                    department_id=user.department_id, created_by_id=user.id, created_at=now)
    for attempt in range(5):  # two people adding at once: the next number
        row.number = _number(campaign)
        try:
            with savepoint():
                db.session.add(row)
                db.session.flush()
            break
        except IntegrityError:
            if attempt == 4:
                raise StateConflict(campaign.id) from None
    return row


def update_core(user: User, campaign: Campaign, row: LedgerRow, data: dict[str, Any],
                now: datetime | None = None, version: int | None = None) -> None:
    """Change the core columns given in ``data`` (others keep their values); ``phase``
    ``None`` or "" leaves the row in no phase. ``version``: the row's version the change was
    based on (:class:`StateConflict` when it moved on since)."""
    now = now or utcnow()
    if not may_edit_core(user, campaign, row):
        raise PermissionError("not the row's department or the campaign office")
    if version is not None and version != row.version:
        raise StateConflict(row.id)
    merged = {name: data.get(name, getattr(row, name)) for name in CORE_FIELDS}
    problems = check_core(merged)
    if problems:
        raise InputError.of(**problems)
    for name in (*CORE_FIELDS, "remarks"):
        if name in data:
            setattr(row, name, str(data[name] or "").strip())
    if "phase" in data:
        row.phase_id = _phase_id(campaign, data["phase"], now) if data["phase"] else None
    if "case_id" in data:
        row.case_id = _case_id(user, data["case_id"])
    row.updated_at = now


def set_group(user: User, campaign: Campaign, row: LedgerRow, group_key: str,
              values: dict[str, Any], now: datetime | None = None) -> int:
    """Write ``group_key``'s cells on ``row`` (only the columns given; empty clears).
    Returns how many cells changed. Raises ``PermissionError`` for another department."""
    now = now or utcnow()
    group = _group(campaign, group_key)
    if not may_edit_group(user, campaign, group_key):
        raise PermissionError("only the group's own department fills its columns")
    parsed, problems = check_group(group, values)
    if problems:
        raise InputError.of(**problems)
    return _write_cells(user, campaign, row, group, parsed, now)


def _write_cells(user: User, campaign: Campaign, row: LedgerRow, group: dict[str, Any],
                 parsed: dict[str, tuple[Decimal | None, str]], now: datetime) -> int:
    kinds = {c["key"]: c["kind"] for c in group["columns"]}
    existing = {c.column_key: c for c in row.cells if c.group_key == group["key"]}
    changed = 0
    for key, (amount, text) in parsed.items():
        cell = existing.get(key)
        if amount is None and not text:
            if cell is not None:
                row.cells.remove(cell)
                changed += 1
            continue
        if cell is None:
            row.cells.append(LedgerCell(
                campaign_id=campaign.id, department_id=user.department_id,
                group_key=group["key"], column_key=key, amount=amount, text=text,
                kind=kinds[key], updated_by_id=user.id, updated_at=now))
            changed += 1
        elif cell.amount != amount or cell.text != text:
            cell.amount, cell.text = amount, text
            cell.updated_by_id, cell.updated_at = user.id, now
            changed += 1
    if changed:
        row.updated_at = now
    return changed


def delete_row(user: User, campaign: Campaign, row: LedgerRow) -> None:
    """Remove a row entered by mistake (its department or the campaign office)."""
    if not may_edit_core(user, campaign, row):
        raise PermissionError("not the row's department or the campaign office")
    db.session.delete(row)


def ledger_rows(campaign: Campaign) -> Select[Any]:
    """The ledger in 序号 order (cells load with one more query per page)."""
    return (select(LedgerRow).where(LedgerRow.campaign_id == campaign.id)
            .order_by(LedgerRow.number))


def row_record(row: LedgerRow, campaign: Campaign) -> dict[str, Any]:
    """A row as plain data (API, snapshots): core columns and ``groups[key][column]``."""
    values = row.values()
    return {
        "id": row.id, "number": row.number, "county": row.county, "party": row.party,
        "location": row.location, "category": row.category, "remarks": row.remarks,
        "phase": row.phase.key if row.phase else None, "case_id": row.case_id,
        "department": row.department.code, "version": row.version,
        "groups": {g["key"]: {c["key"]: _plain(values.get((g["key"], c["key"])))
                              for c in g["columns"]} for g in campaign.groups},
    }


def _plain(value: Any) -> Any:
    return plain_number(value) if isinstance(value, Decimal) else value


def snapshot(campaign: Campaign) -> dict[str, Any]:
    """The whole ledger as it stands (stored with each filed report)."""
    rows = db.session.scalars(ledger_rows(campaign)).all()
    return {"layout": campaign.ledger_layout, "taken_at": utcnow().isoformat(),
            "rows": [row_record(r, campaign) for r in rows]}


# ------------------------------------------------------------------------- dashboard

#: Active campaigns listed on the dashboard (the list page has the rest).
DASHBOARD_CAMPAIGNS = 5


def dashboard_summary(user: Any, now: datetime | None = None) -> dict[str, Any]:
    """For the dashboard, in one query: the active campaigns ``user`` sees (soonest ending
    first, with today's phase), and over them, for the user's department, the reports
    overdue, the next one due and the clues awaiting its feedback."""
    from sqlalchemy import and_

    from core.campaigns.models import CampaignClue

    now = now or utcnow()
    today = local_day(now)
    owed = and_(CampaignReport.campaign_id == Campaign.id,
                CampaignReport.department_id == user.department_id,
                CampaignReport.filed_at.is_(None))
    rows = db.session.execute(
        select(Campaign, CampaignPhase,
               select(func.count(CampaignReport.id)).where(owed, CampaignReport.due_at < now)
               .scalar_subquery(),
               select(func.min(CampaignReport.due_at)).where(owed, CampaignReport.due_at >= now)
               .scalar_subquery(),
               select(func.count(CampaignClue.id)).where(
                   CampaignClue.campaign_id == Campaign.id,
                   CampaignClue.department_id == user.department_id,
                   CampaignClue.feedback_at.is_(None)).scalar_subquery())
        .outerjoin(CampaignPhase, and_(CampaignPhase.campaign_id == Campaign.id,
                                       CampaignPhase.starts_on <= today,
                                       CampaignPhase.ends_on >= today))
        .where(visible_campaigns(user), Campaign.state == "active")
        .order_by(Campaign.ends_on, Campaign.id)).all()
    upcoming = [due for *_, due, _ in rows if due is not None]
    return {"campaigns": [(campaign, phase) for campaign, phase, *_ in
                          rows[:DASHBOARD_CAMPAIGNS]],
            "overdue_reports": sum(overdue or 0 for _, _, overdue, _, _ in rows),
            "next_report_due": min(upcoming) if upcoming else None,
            "awaiting_clues": sum(awaiting or 0 for *_, awaiting in rows)}
