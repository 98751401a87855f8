"""The police registers through the services and the pages: a hand-over accepted as a crime
becomes a criminal case, outcomes add up and export, risk notices are replied to or fall
overdue, tips for criminal categories go to the police, the quarterly section comes from the
registers, and only the police write."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook
from sqlalchemy import select

from core import access, audit
from core.db import db
from core.errors import InputError
from core.testing import csrf_token, login
from tests.plugins.police.helpers import hand_over, make_callers, user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def callers(app, make_user):
    return make_callers(app, make_user)


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def post(client, path, data, page=None):
    token = csrf_token(client, page or path)
    return client.post(path, data={**data, "csrf_token": token})


def today() -> date:
    return datetime.now(SHANGHAI).date()


# ------------------------------------------------------------ hand-over -> criminal case


def test_accepted_hand_over_creates_the_criminal_case(app, callers):
    from plugins.police.services import criminal_case_of

    case_id, transfer_id = hand_over(app, feedback=None)
    with app.app_context():
        assert criminal_case_of(case_id) is None  # received, not yet answered
    with app.test_request_context():
        from core.cases import services as cases
        from core.cases.models import Transfer

        police = user("zhao.police")
        with audit.acting_as(police):
            cases.answer(police, db.session.get(Transfer, transfer_id), "accepted_criminal", "")
        db.session.commit()
        record = criminal_case_of(case_id)
        assert record is not None
        assert (record.source, record.transfer_id, record.stage) == (
            "transfer", transfer_id, "investigating")
        assert record.department.code == "police" and record.case_number == ""
        assert record.filed_on == today()
        assert record.created_by_id == police.id

    # a lead the police return as not a crime gets no record
    other, _ = hand_over(app, feedback="not_crime", title="林地纠纷线索")
    with app.app_context():
        assert criminal_case_of(other) is None

    # the police see it in the register and give it a number; the case links to the core page
    police = signed_in(app, "zhao.police")
    body = police.get("/police/cases").get_data(as_text=True)
    assert "东坡村后山盗伐林木案" in body and "林地纠纷线索" not in body
    record_id = int(re.search(r"/police/cases/(\d+)", body).group(1))
    page = f"/police/cases/{record_id}"
    assert f'href="/cases/{case_id}"' in police.get(page).get_data(as_text=True)
    saved = post(police, page, {"case_number": "A4401002026110001", "filed_on": today(),
                                "charge": "盗伐林木罪", "stage": "investigating",
                                "version": "1"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    assert "A4401002026110001" in police.get(page).get_data(as_text=True)
    # a stale version is refused, nothing overwritten
    stale = post(police, page, {"case_number": "X", "filed_on": today(), "stage": "prosecution",
                                "version": "1"})
    assert stale.status_code == 409
    assert "A4401002026110001" in police.get(page).get_data(as_text=True)

    # the hand-over list links the case page where the police acknowledge and answer
    listed = police.get("/police/transfers?state=all").get_data(as_text=True)
    assert f"/cases/{case_id}#transfer-{transfer_id}" in listed
    assert "A4401002026110001" in listed
    # the sending department does not use the police plugin: its pages are not for it
    assert signed_in(app, "li.forest").get("/police/cases").status_code == 403
    # the office reads every register
    assert "东坡村后山盗伐林木案" in signed_in(app, "wang.office").get(
        "/police/cases").get_data(as_text=True)


def test_police_file_a_case_they_opened_themselves(app, callers):
    from core.cases import services as cases
    from plugins.police import services

    with app.test_request_context():
        police = user("zhao.police")
        with audit.acting_as(police):
            own = cases.open_case(police, cases.CaseInput(
                title="象牙制品非法收购案", offence_type="police.wildlife_trade"))
        db.session.commit()
        own_id = own.id
    client = signed_in(app, "zhao.police")
    form = client.get("/police/cases/new").get_data(as_text=True)
    assert "象牙制品非法收购案" in form
    filed = post(client, "/police/cases/new", {
        "case_id": own_id, "case_number": "A4401002026110002", "filed_on": today(),
        "charge": "非法收购珍贵、濒危野生动物制品罪", "stage": "investigating"})
    assert filed.status_code == 302, filed.get_data(as_text=True)[:2000]
    # once only, and not with a number already taken
    again = post(client, "/police/cases/new", {"case_id": own_id, "filed_on": today(),
                                               "stage": "investigating"})
    assert again.status_code == 400
    with app.test_request_context():
        police = user("zhao.police")
        with pytest.raises(InputError, match="case_number"), audit.acting_as(police):
            other = cases.open_case(police, cases.CaseInput(
                title="另案", offence_type="police.wildlife_crime"))
            services.file_criminal_case(police, other.id, services.CriminalCaseInput(
                case_number="A4401002026110002", filed_on=today()))
        db.session.rollback()


# ------------------------------------------------------------------------------ outcomes


def test_outcome_with_one_criminal_detention_shows_in_totals_and_export(app, callers):
    case_id, _ = hand_over(app)
    police = signed_in(app, "zhao.police")
    page = f"/police/outcomes/{case_id}"
    saved = post(police, page, {"admin_detentions": 0, "criminal_detentions": 1, "arrests": 0,
                                "persons_involved": 2, "notes": "张某刑事拘留"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    # negative figures are refused
    assert post(police, page, {"admin_detentions": -1, "criminal_detentions": 1,
                               "arrests": 0, "persons_involved": 2}).status_code == 400

    body = police.get("/police/outcomes").get_data(as_text=True)
    assert re.search(r'data-total="criminal_detentions">\s*1\s*<', body), body
    assert re.search(r'data-total="persons_involved">\s*2\s*<', body)

    response = police.get("/police/outcomes.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:7] == ["序号", "案件名称", "刑事案件编号", "行政拘留(人)", "刑事拘留(人)",
                           "逮捕(人)", "涉案人员(人)"]
    assert rows[1][1] == "东坡村后山盗伐林木案" and rows[1][3:7] == [0, 1, 0, 2]
    assert rows[-1][0] == "合计" and rows[-1][3:7] == [0, 1, 0, 2]

    # the other registers export with their Chinese headers too
    for path, first in (("/police/cases.xlsx", "刑事案件编号"),
                        ("/police/risk-notices.xlsx", "文号"),
                        ("/police/interventions.xlsx", "案件名称")):
        sheet = load_workbook(io.BytesIO(police.get(path).data)).active
        assert next(sheet.iter_rows(values_only=True))[1] == first, path


# -------------------------------------------------------------------------- risk notices


def _notifications(username: str, kind: str) -> list:
    from core.notifications.models import Notification

    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user(username).id, Notification.kind == kind)))


def test_risk_notice_to_environment_is_replied_by_its_liaison(app, callers):
    from plugins.police import services
    from plugins.police.models import RiskNotice

    police = signed_in(app, "zhao.police")
    sent = post(police, "/police/risk-notices/new", {
        "target": "environment", "subject": "石场粉尘污染监管漏洞",
        "content": "办案中发现东坡村石场无环评手续长期生产，建议依法查处。",
        "reply_due_on": (today() + timedelta(days=10)).isoformat()})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
    notice_id = int(re.search(r"/police/risk-notices/(\d+)", sent.headers["Location"]).group(1))
    with app.test_request_context():
        notice = db.session.get(RiskNotice, notice_id)
        assert notice.number == f"公安风险提示函〔{today().year}〕1号"
        assert notice.target_department.code == "environment" and notice.state == "sent"
        told = _notifications("chen.env", "police.risk_notice")
        assert [n.link for n in told] == [f"/police/risk-notices/{notice_id}/reply"]

        # the environment office does not use the police plugin; its liaison replies
        liaison = user("chen.env")
        assert access.can(liaison, "police.risk_notice.reply", notice)
        assert not access.can(user("sun.finance"), "police.risk_notice.reply", notice)
        assert not access.can(user("zhao.police"), "police.risk_notice.reply", notice)
        with audit.acting_as(liaison):
            services.reply_risk_notice(liaison, notice, "已立案调查，责令石场停产整改。")
        db.session.commit()
        assert notice.state == "replied" and notice.replied_by_id == liaison.id
        assert _notifications("zhao.police", "police.risk_notice.replied")
        # once only
        assert not access.can(liaison, "police.risk_notice.reply", notice)

    body = police.get(f"/police/risk-notices/{notice_id}").get_data(as_text=True)
    assert "已立案调查，责令石场停产整改。" in body and 'data-state="replied"' in body


def test_a_department_without_the_police_plugin_replies_on_the_page(app, callers):
    police = signed_in(app, "zhao.police")
    sent = post(police, "/police/risk-notices/new", {
        "target": "environment", "subject": "采石场扬尘", "content": "建议加强监管。"})
    notice_id = int(re.search(r"/police/risk-notices/(\d+)", sent.headers["Location"]).group(1))
    env = signed_in(app, "chen.env")
    page = f"/police/risk-notices/{notice_id}/reply"
    assert "建议加强监管。" in env.get(page).get_data(as_text=True)
    assert env.get("/police/cases").status_code == 403  # the registers stay closed
    replied = post(env, page, {"reply_text": "已部署专项检查。"})
    assert replied.status_code == 302
    assert "已部署专项检查。" in env.get(page).get_data(as_text=True)
    # another department cannot even read it
    assert signed_in(app, "sun.finance").get(page).status_code == 404


def test_risk_notice_not_replied_past_its_due_day_is_overdue(app, callers):
    from plugins.police import services
    from plugins.police.models import RiskNotice

    with freeze_time("2026-11-02 09:00:00+08:00"), app.test_request_context():  # a Monday
        police = user("zhao.police")
        with audit.acting_as(police):
            chosen = services.send_risk_notice(police, services.RiskNoticeInput(
                target="environment", subject="涉林企业环评缺失", content="……",
                reply_due_on=date(2026, 11, 9)))
            default = services.send_risk_notice(police, services.RiskNoticeInput(
                target="natural_resources", subject="林地审批漏洞", content="……"))
        db.session.commit()
        chosen_id, default_id = chosen.id, default.id
        # the default: 15 working days after the day it was sent, end of that day
        assert services.local_day(default.reply_due_at) == date(2026, 11, 23)
        assert not chosen.is_overdue(datetime.now(SHANGHAI))

    with freeze_time("2026-11-09 23:59:00+08:00"), app.test_request_context():
        assert not db.session.get(RiskNotice, chosen_id).is_overdue(datetime.now(SHANGHAI))

    with freeze_time("2026-11-10 08:00:00+08:00"):
        response = callers["police"].get(f"/risk-notices/{chosen_id}")
        assert response.get_json()["state"] == "overdue"
        assert response.get_json()["overdue"] is True
        listed = callers["police"].get("/risk-notices", state="overdue").get_json()
        assert [n["id"] for n in listed] == [chosen_id]
        assert callers["police"].get(f"/risk-notices/{default_id}").get_json()[
            "state"] == "sent"
        with app.test_request_context():
            from core.jobs import run_jobs

            results = dict(run_jobs(app.extensions["forestchief"].pm, datetime.now(SHANGHAI),
                                    only="police.risk_notice_reminders"))
            assert results["police.risk_notice_reminders"] >= 2
            assert _notifications("chen.env", "deadline.passed")
            assert _notifications("zhao.police", "deadline.passed")
            again = dict(run_jobs(app.extensions["forestchief"].pm, datetime.now(SHANGHAI),
                                  only="police.risk_notice_reminders"))
            assert again["police.risk_notice_reminders"] == 0  # idempotent

    # a reply after the due day ends the overdue state
    with freeze_time("2026-11-11 10:00:00+08:00"), app.test_request_context():
        liaison = user("chen.env")
        notice = db.session.get(RiskNotice, chosen_id)
        with audit.acting_as(liaison):
            services.reply_risk_notice(liaison, notice, "已整改")
        db.session.commit()
        assert notice.display_state(datetime.now(SHANGHAI)) == "replied"


# ------------------------------------------------------------------------- tips, access


def test_route_tip_sends_criminal_categories_to_the_police(app):
    from plugins.police import plugin

    with app.app_context():
        assert plugin.route_tip(SimpleNamespace(category="police.wildlife_trade")) == "police"
        assert plugin.route_tip(SimpleNamespace(category="police.forest_fire_crime")) == "police"
        assert plugin.route_tip(SimpleNamespace(category="forestry.tree_theft")) is None
        assert plugin.route_tip(SimpleNamespace(category="other")) is None
        pm = app.extensions["forestchief"].pm
        assert pm.hook.route_tip(tip=SimpleNamespace(category="police.wildlife_trade")) == (
            "police")


def test_only_the_police_write_the_registers(app, callers):
    from core.departments.models import Department
    from core.departments.services import set_department_plugins

    case_id, _ = hand_over(app)
    with app.test_request_context():
        # the finance office switches the police plugin on: it reads, it does not write
        finance = db.session.scalar(select(Department).where(Department.code == "finance"))
        with audit.acting_as(name="test"):
            set_department_plugins(finance, {"police"}, {"police"})
        db.session.commit()
        for username in ("sun.finance", "wang.office", "li.forest", "chen.env"):
            someone = user(username)
            for action in ("police.case.file", "police.intervention.record",
                           "police.outcome.edit", "police.risk_notice.send"):
                assert not access.can(someone, action), (username, action)
        member = user("qian.police")
        assert access.can(member, "police.outcome.edit")
        assert not access.can(member, "police.risk_notice.send")  # liaison or leader
        assert access.can(user("huang.police"), "police.risk_notice.send")

    finance = signed_in(app, "sun.finance")
    assert finance.get("/police/outcomes").status_code == 200
    assert finance.get("/police/cases/new").status_code == 403
    assert finance.get(f"/police/outcomes/{case_id}").status_code == 404  # not its case
    assert finance.get("/police/risk-notices/new").status_code == 403
    office = signed_in(app, "wang.office")
    assert office.get(f"/police/outcomes/{case_id}").status_code == 403
    assert post(office, "/police/interventions/new", {"case_id": case_id, "officer": "x",
                                                      "intervened_on": today()},
                page="/police/outcomes").status_code == 403
    # a department the plugin does not serve gets nothing of it
    assert signed_in(app, "li.forest").get("/police/risk-notices").status_code == 403
    # every register page renders for the police
    police = signed_in(app, "zhao.police")
    for path in ("/police/", "/police/cases", "/police/cases/new", "/police/interventions",
                 "/police/interventions/new", "/police/outcomes", "/police/risk-notices",
                 "/police/risk-notices/new", "/police/transfers", "/police/transfers?state=all"):
        assert police.get(path).status_code == 200, path


def test_early_intervention_shows_a_case_title_only_to_those_who_see_the_case(app, callers):
    from core.cases import services as cases

    with app.test_request_context():
        forest = user("li.forest")
        with audit.acting_as(forest):
            case = cases.open_case(forest, cases.CaseInput(
                title="西岭村非法占用林地案", offence_type="forestry.tree_theft"))
        db.session.commit()
        case_id = case.id
    police = signed_in(app, "zhao.police")
    recorded = post(police, "/police/interventions/new", {
        "case_id": case_id, "intervened_on": today(), "officer": "赵警官",
        "notes": "指导固定证据"})
    assert recorded.status_code == 302, recorded.get_data(as_text=True)[:2000]
    body = police.get("/police/interventions").get_data(as_text=True)
    assert "赵警官" in body and f"#{case_id}" in body and "西岭村非法占用林地案" not in body
    office = signed_in(app, "wang.office").get("/police/interventions").get_data(as_text=True)
    assert "西岭村非法占用林地案" in office
    # an unknown case, or one the police handle themselves, is no early intervention
    assert post(police, "/police/interventions/new", {
        "case_id": 999999, "intervened_on": today(), "officer": "x"}).status_code == 400
    own, _ = hand_over(app)  # accepted: the police handle it now
    refused = post(police, "/police/interventions/new", {
        "case_id": own, "intervened_on": today(), "officer": "x"})
    assert refused.status_code == 400
    assert 'id="case_id-errors"' in refused.get_data(as_text=True)


# -------------------------------------------------------------------------- quarterly


def test_quarterly_section_matches_the_registers(app, callers):
    from core.cases import services as cases
    from core.departments.models import Department
    from core.sharing.reports import Quarter, sections_for
    from core.timeutil import local_day
    from plugins.police import services

    case_id, _ = hand_over(app)  # one hand-over received and accepted this quarter
    hand_over(app, feedback=None, title="另一起移送")  # received, not answered yet
    with app.test_request_context():
        now = services.utcnow()
        quarter = Quarter.of(now)
        police = user("zhao.police")
        with audit.acting_as(police):
            services.save_outcome(police, case_id, services.OutcomeInput(
                criminal_detentions=2, persons_involved=3))
            earlier = cases.open_case(police, cases.CaseInput(
                title="上季度野生动物案", offence_type="police.wildlife_crime"))
            services.file_criminal_case(police, earlier.id, services.CriminalCaseInput(
                filed_on=quarter.previous.first_day))
            services.save_outcome(police, earlier.id, services.OutcomeInput(
                criminal_detentions=5, arrests=1))
        db.session.commit()
        department = db.session.scalar(select(Department).where(Department.code == "police"))

        def values(q):
            section = next(s for s in sections_for(department, q)
                           if s["code"] == "police.quarterly")
            return section["values"]

        filed = db.session.scalars(select(services.CriminalCase)).all()
        in_quarter = [r for r in filed if quarter.first_day <= r.filed_on
                      < quarter.next.first_day]
        assert len(in_quarter) == 1
        assert values(quarter) == {"criminal_cases": 1, "transfers_received": 2,
                                   "detentions": 2}
        assert values(quarter.previous) == {"criminal_cases": 1, "transfers_received": 0,
                                            "detentions": 5}
        assert local_day(now) >= quarter.first_day


def test_bad_plugin_settings_stop_start_up_naming_the_key(app_factory):
    from core.config import ConfigError

    with pytest.raises(ConfigError, match=r"plugin\.police\.risk_notice_reply_working_days"):
        app_factory("[plugin.police]\nrisk_notice_reply_working_days = 0\n", sync=False)
    with pytest.raises(ConfigError, match=r"plugin\.police\.nosuch: unknown key"):
        app_factory('[plugin.police]\nnosuch = "x"\n', sync=False)
    configured = app_factory('[plugin.police]\nrisk_notice_number_prefix = "镇派出所风险提示"\n'
                             "risk_notice_reply_working_days = 5\n", sync=False)
    with configured.app_context():
        from plugins.police.services import setting

        assert setting("risk_notice_reply_working_days") == 5
