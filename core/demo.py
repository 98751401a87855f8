"""Demo data for a fresh installation: one account per role that matters, random passwords."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.accounts.models import User
from core.accounts.services import create_user, generate_password
from core.db import db

#: (username, role, department code, display name)
DEMO_ACCOUNTS = [
    ("admin", "admin", "office", "系统管理员"),
    ("auditor", "auditor", "office", "审计员"),
    ("office", "office", "office", "林长办 王主任"),
    ("office.staff", "member", "office", "林长办 李干事"),
    ("nr.leader", "leader", "natural_resources", "自然资源所 陈所长"),
    ("nr.liaison", "liaison", "natural_resources", "自然资源所 联络员"),
    ("police.leader", "leader", "police", "派出所 黄所长"),
    ("police.liaison", "liaison", "police", "派出所 联络员"),
    ("env.liaison", "liaison", "environment", "环保办 联络员"),
    ("emergency.liaison", "liaison", "emergency", "应急管理办 联络员"),
    ("agri.leader", "leader", "agriculture", "农业农村办 刘主任"),
    ("dongpo.liaison", "liaison", "v_dongpo", "东坡村 林管员"),
]


def has_accounts() -> bool:
    """Whether any account exists."""
    return bool(db.session.scalar(select(func.count()).select_from(User)))


def create_demo_data() -> list[dict[str, Any]]:
    """Create the demo accounts and a little shared work to look at; returns the accounts
    with their one-time passwords. Caller commits."""
    created = []
    users = {}
    for username, role, department, display_name in DEMO_ACCOUNTS:
        password = generate_password()
        users[username] = create_user(username, password, department, role, display_name)
        created.append({"username": username, "password": password, "role": role,
                        "department": department})
    _demo_work(users)
    from core.app import kernel

    kernel().pm.hook.demo_data(users=users)
    return created


def _demo_work(users: dict[str, User]) -> None:
    """Sample items and a request, created through the same services people use."""
    from datetime import timedelta

    from core import audit
    from core.db import utcnow
    from core.sharing.requests import RequestInput, create_request
    from core.sharing.services import ItemInput, create_item

    with audit.acting_as(users["nr.liaison"]):
        create_item(users["nr.liaison"], ItemInput(
            title="2026年第四季度林木采伐许可发放情况", category="forestry.logging_permit",
            sensitivity="internal", shared_with=["office", "environment", "police"],
            body="本季度共发放林木采伐许可证 12 份，许可蓄积 350 立方米，均已现场核查伐区。",
            tags="采伐许可, 季度"))
        create_item(users["nr.liaison"], ItemInput(
            title="镇域森林资源年度监测结果", category="resource_survey", sensitivity="open",
            body="全镇森林覆盖率 71.3%，较上年提高 0.4 个百分点。", tags="监测"))
    with audit.acting_as(users["emergency.liaison"]):
        create_item(users["emergency.liaison"], ItemInput(
            title="森林火险等级预警（三级）", category="emergency.fire_danger_warning",
            sensitivity="open", body="未来三天气温偏高、湿度偏低，请各村加强巡山护林。",
            tags="火险, 预警"))
    with audit.acting_as(users["office"]):
        create_request(users["office"], RequestInput(
            target="police", subject="请报送本月涉林案件办理情况",
            details="包括立案数、移送数、行政拘留和刑事拘留人数。",
            due_at=utcnow() + timedelta(days=3)))
    _demo_inspection(users)
    _demo_campaign(users)


def _demo_inspection(users: dict[str, User]) -> None:
    """A joint inspection under way: two on-site records, two findings, one supervised."""
    from datetime import timedelta

    from core import audit
    from core.db import utcnow
    from core.inspections import services as inspections
    from core.timeutil import local_day

    today = local_day(utcnow())
    office = users["office"]
    with audit.acting_as(office):
        inspection = inspections.plan_inspection(office, inspections.InspectionInput(
            title="冬季森林资源保护联合督查", purpose="检查林地保护、违规用火和排污情况",
            scope="东坡村、西山村集体林区", start_on=today, end_on=today + timedelta(days=2),
            report_due_on=today + timedelta(days=7),
            departments={"natural_resources": "核查林地占用和采伐", "environment": "核查排污",
                         "emergency": "检查防火设施"},
            villages=["v_dongpo", "v_xishan"], members=["nr.liaison", "env.liaison"]))
    with audit.acting_as(users["nr.liaison"]):
        first = inspections.add_record(users["nr.liaison"], inspection, inspections.RecordInput(
            place_name="东坡村后山林地", lat=24.7861, lng=112.3815,
            answers={"forestry.land_occupation": "yes", "forestry.illegal_logging": "no"},
            notes="发现林地内新建简易棚屋约 60 平方米。"))
    with audit.acting_as(users["env.liaison"]):
        inspections.add_record(users["env.liaison"], inspection, inspections.RecordInput(
            place_name="西山村溪流下游", lat=24.7952, lng=112.3977,
            answers={"environment.pollution": "yes"}, notes="溪边有养殖废水排放痕迹。"))
    with audit.acting_as(office):
        shed = inspections.create_finding(office, inspection, inspections.FindingInput(
            description="东坡村后山林地内违规搭建简易棚屋", severity="serious",
            category="protection_restoration", unit="v_dongpo",
            due_on=today + timedelta(days=15), requirements="拆除棚屋，恢复林地原状并补植。",
            copies=["natural_resources"], record_id=first.id))
        inspections.create_finding(office, inspection, inspections.FindingInput(
            description="西山村溪流下游养殖废水直排", severity="major",
            category="environment.ecological_problem", unit="environment",
            due_on=today + timedelta(days=30), requirements="查明排污单位，限期整改。",
            location_name="西山村溪流下游", lat=24.7952, lng=112.3977))
        inspections.supervise_finding(office, shed, "群众反映强烈，列入挂牌督办。")


def _demo_campaign(users: dict[str, User]) -> None:
    """The mining campaign from its template, started this month, with two ledger rows the
    natural-resources office and the police have filled."""
    from core import audit
    from core.campaigns import services as campaigns
    from core.campaigns.config import template
    from core.db import utcnow
    from core.timeutil import local_day

    tpl = template("mining")
    if tpl is None:
        return
    office, nr, police = users["office"], users["nr.liaison"], users["police.liaison"]
    with audit.acting_as(office):
        campaign = campaigns.create_from_template(office, tpl, campaigns.CampaignInput(
            starts_on=local_day(utcnow()).replace(day=1), ledger_unit="镇自然资源所"))
    rows = [
        ({"county": "本镇", "party": "某砂石场（个人：张某）", "location": "东坡村河道",
          "category": "河砂"},
         {"land_area": "3.6", "land_fine": "21600", "land_restored": "否",
          "mined_quantity": "1200", "products_confiscated": "300", "mining_fine": "45000",
          "mining_banned": "是"},
         {"administrative_detentions": "1", "criminal_detentions": "0", "arrests": "0"}),
        ({"county": "本镇", "party": "某石料厂", "location": "西山村采石场",
          "category": "建筑石料"},
         {"land_area": "8.2", "land_fine": "49200", "land_restored": "是",
          "mined_quantity": "5400", "mining_banned": "是"},
         {"criminal_detentions": "2", "arrests": "1"}),
    ]
    for core_columns, nr_values, police_values in rows:
        with audit.acting_as(nr):
            row = campaigns.add_row(nr, campaign, core_columns)
            campaigns.set_group(nr, campaign, row, "natural_resources", nr_values)
        with audit.acting_as(police):
            campaigns.set_group(police, campaign, row, "police", police_values)
