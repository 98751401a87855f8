"""Notices (通报): numbering, circulation, visibility, the snapshot and its documents."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from freezegun import freeze_time

PLANNED_AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
DUE_ON = date(2026, 3, 20)
AFTER_DUE = datetime(2026, 3, 25, 2, 0, tzinfo=UTC)
TITLE = "关于春季森林防火联合督查发现问题整改情况的通报"


@pytest.fixture
def people(make_user: Callable[..., int]) -> dict[str, int]:
    return {
        "office": make_user("wang.office", role="office", department="office"),
        "police": make_user("li.police", role="liaison", department="police"),
        "police_member": make_user("zhou.police", role="member", department="police"),
        "township": make_user("sun.town", role="liaison", department="township_gov"),
        "village": make_user("zhao.dongpo", role="liaison", department="v_dongpo"),
    }


@contextmanager
def acting(app: Flask, user_id: int) -> Iterator[Any]:
    """A request context acting as ``user_id``; commits what the block did."""
    from core import audit
    from core.accounts.models import User
    from core.db import db

    with app.test_request_context():
        user = db.session.get(User, user_id)
        with audit.acting_as(user):
            yield user
        db.session.commit()


def finding_input(unit: str, description: str, severity: str = "major") -> Any:
    from core.inspections.services import FindingInput

    return FindingInput(description=description, severity=severity,
                        category="protection_restoration", unit=unit, due_on=DUE_ON)


@pytest.fixture
def inspection_id(app: Flask, people: dict[str, int]) -> int:
    """An inspection under way with findings for a village (due 2026-03-20) and the police."""
    from core.inspections import services

    with freeze_time(PLANNED_AT), acting(app, people["office"]) as office:
        inspection = services.plan_inspection(office, services.InspectionInput(
            title="春季森林防火联合督查", start_on=date(2026, 3, 2), end_on=date(2026, 3, 6),
            report_due_on=date(2026, 3, 10), departments={"police": "涉林案件线索"},
            purpose="检查森林防火责任落实", scope="全镇重点林区",
            villages=["v_dongpo", "v_xishan"]), now=PLANNED_AT)
        services.add_record(office, inspection, services.RecordInput(place_name="东坡村后山"),
                            now=PLANNED_AT)
        services.create_finding(office, inspection,
                                finding_input("v_dongpo", "林区入口未设防火警示牌"),
                                now=PLANNED_AT)
        services.create_finding(office, inspection,
                                finding_input("police", "巡查记录不完整", "general"),
                                now=PLANNED_AT)
        return inspection.id


def issue(app: Flask, user_id: int, inspection_id: int, now: datetime = AFTER_DUE,
          title: str = TITLE, intro: str = "现将督查发现问题整改情况通报如下。") -> int:
    from core.db import db
    from core.inspections.models import Inspection
    from core.inspections.notices import issue_notice

    with freeze_time(now), acting(app, user_id) as user:
        inspection = db.session.get(Inspection, inspection_id)
        return issue_notice(user, inspection, title, intro, now=now).id


@contextmanager
def notice_of(app: Flask, notice_id: int) -> Iterator[Any]:
    from core.db import db
    from core.inspections.models import Notice

    with app.app_context():  # documents need no request
        yield db.session.get(Notice, notice_id)


def numbers(app: Flask, ids: list[int]) -> list[str]:
    from core.db import db
    from core.inspections.models import Notice

    with app.app_context():
        return [db.session.get(Notice, i).number for i in ids]


# --------------------------------------------------------------------------- issuing


def test_numbers_count_up_and_restart_each_local_year(app, people, inspection_id):
    office = people["office"]
    first = issue(app, office, inspection_id, title="通报一")
    second = issue(app, office, inspection_id, title="通报二")
    # 17:00 UTC on 31 December is already 1 January in Shanghai: a new year's first notice.
    new_year = issue(app, office, inspection_id, title="通报三",
                     now=datetime(2026, 12, 31, 17, 0, tzinfo=UTC))
    assert numbers(app, [first, second, new_year]) == [
        "林长办通报〔2026〕1号", "林长办通报〔2026〕2号", "林长办通报〔2027〕1号"]
    with notice_of(app, new_year) as notice:
        assert notice.content["number"] == "林长办通报〔2027〕1号"
        assert notice.content["issued_on"] == "2027-01-01"
        assert notice.content["title"] == "通报三"


def test_only_the_office_issues_with_a_title_once_started(app, people, inspection_id):
    from sqlalchemy import select

    from core.db import db
    from core.errors import InputError
    from core.inspections import services
    from core.inspections.models import Notice
    from core.inspections.notices import issue_notice

    with pytest.raises(PermissionError):
        issue(app, people["police"], inspection_id)
    for bad in ("  ", "长" * 201):
        with pytest.raises(InputError) as raised:
            issue(app, people["office"], inspection_id, title=bad)
        assert list(raised.value.fields) == ["title"]
    with freeze_time(PLANNED_AT), acting(app, people["office"]) as office:
        planned = services.plan_inspection(office, services.InspectionInput(
            title="尚未开始的督查", start_on=date(2026, 4, 1), end_on=date(2026, 4, 2),
            report_due_on=date(2026, 4, 5), departments={"police": ""}), now=PLANNED_AT)
        with pytest.raises(InputError) as raised:
            issue_notice(office, planned, TITLE, now=PLANNED_AT)
        assert list(raised.value.fields) == ["title"]
        assert db.session.scalars(select(Notice)).all() == []


def test_circulated_to_departments_and_township_not_to_villages(app, people, inspection_id):
    from sqlalchemy import select

    from core.db import db
    from core.notifications.models import Notification

    notice_id = issue(app, people["office"], inspection_id)
    with app.app_context():
        told = {n.user_id: n for n in db.session.scalars(select(Notification).where(
            Notification.kind == "notice.issued"))}
    assert people["police"] in told and people["township"] in told
    assert people["village"] not in told
    assert people["office"] not in told  # the issuer
    assert people["police_member"] not in told  # leaders, liaisons and office staff only
    note = told[people["police"]]
    assert note.subject == TITLE and note.link == f"/notices/{notice_id}"
    assert (note.object_type, note.object_id) == ("notice", notice_id)


def test_villages_do_not_see_notices_departments_do(app, people, inspection_id):
    from core.accounts.models import User
    from core.db import db
    from core.inspections.notices import get_visible_notice, notice_query

    notice_id = issue(app, people["office"], inspection_id)
    with app.test_request_context():
        def user(key: str) -> Any:
            return db.session.get(User, people[key])

        assert get_visible_notice(user("village"), notice_id) is None
        assert db.session.scalars(notice_query(user("village"))).all() == []
        for key in ("police", "police_member", "township", "office"):
            assert get_visible_notice(user(key), notice_id).id == notice_id
        assert [n.id for n in db.session.scalars(notice_query(
            user("police"), q="〔2026〕1", inspection_id=inspection_id))] == [notice_id]
        assert db.session.scalars(notice_query(user("police"), q="没有这个")).all() == []


# -------------------------------------------------------------------------- snapshot


def test_content_names_overdue_units_first_and_counts(app, people, inspection_id):
    notice_id = issue(app, people["office"], inspection_id)
    with notice_of(app, notice_id) as notice:
        content = notice.content
    assert content["inspection"]["departments"] == ["镇郊派出所"]
    assert content["inspection"]["villages"] == ["东坡村", "西山村"]
    assert content["inspection"]["records"] == 1
    assert content["inspection"]["start_on"] == "2026-03-02"
    assert content["summary"] == {"total": 2, "closed": 0, "awaiting_verification": 0,
                                  "open": 2, "overdue": 2}
    assert content["units"][0]["name"] == "东坡村"  # the most serious first among equals
    finding = content["units"][0]["findings"][0]
    assert finding["severity"] == "严重" and finding["state"] == "整改中"
    assert finding["due_on"] == "2026-03-20" and finding["overdue"] is True
    assert {u["name"] for u in content["overdue_units"]} >= {"东坡村"}


def test_content_does_not_change_after_issuing(app, people, inspection_id):
    from sqlalchemy import select

    from core.db import db
    from core.inspections import services
    from core.inspections.models import Finding
    from core.inspections.notices import build_content, render_html

    notice_id = issue(app, people["office"], inspection_id, now=PLANNED_AT)
    with notice_of(app, notice_id) as notice:
        before = dict(notice.content)
    assert before["summary"]["open"] == 2 and before["overdue_units"] == []

    with freeze_time(PLANNED_AT + timedelta(days=1)), acting(app, people["village"]) as village:
        finding = db.session.scalar(select(Finding).where(
            Finding.inspection_id == inspection_id, Finding.unit.has(code="v_dongpo")))
        services.report_completion(village, finding, "已设置警示牌")
        finding_id = finding.id
    with freeze_time(PLANNED_AT + timedelta(days=2)), acting(app, people["office"]) as office:
        services.verify_finding(office, db.session.get(Finding, finding_id))

    with notice_of(app, notice_id) as notice:
        assert notice.content == before
        html = render_html(notice)
        assert build_content(notice.inspection, PLANNED_AT)["summary"]["closed"] == 1
    assert "<td>已销号</td>" not in html and html.count("<td>整改中</td>") == 2


def test_content_queries_do_not_grow_with_findings(app, people, inspection_id, count_queries):
    from core.db import db
    from core.inspections import services
    from core.inspections.models import Inspection
    from core.inspections.notices import build_content

    def queries() -> int:
        with app.test_request_context():
            inspection = db.session.get(Inspection, inspection_id)
            with count_queries() as counted:
                build_content(inspection, AFTER_DUE)
            return counted.count

    few = queries()
    with freeze_time(PLANNED_AT), acting(app, people["office"]) as office:
        inspection = db.session.get(Inspection, inspection_id)
        for unit in ("v_xishan", "township_gov", "environment", "v_dongpo"):
            services.create_finding(office, inspection, finding_input(unit, f"{unit}问题"),
                                    now=PLANNED_AT)
    assert queries() == few


# ------------------------------------------------------------------------- documents


def test_html_is_self_contained(app, people, inspection_id):
    from core.inspections.notices import render_html

    intro = "现将督查发现问题整改情况通报如下。\n<script src=\"https://x.example/a.js\"></script>"
    notice_id = issue(app, people["office"], inspection_id, intro=intro)
    with notice_of(app, notice_id) as notice:
        html = render_html(notice)
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert "<script" not in html and "&lt;script" in html  # typed text stays text
    assert "src=" not in html.replace("src=&#34;", "") and "<link" not in html
    assert TITLE in html and "林长办通报〔2026〕1号" in html and "2026年3月25日" in html
    assert "现将督查发现问题整改情况通报如下。" in html and "全镇重点林区" in html


def test_pages_embed_the_document_body(app, people, inspection_id):
    from core.inspections.notices import TEMPLATE

    notice_id = issue(app, people["office"], inspection_id)
    page = "{% from '" + TEMPLATE + "' import notice_body %}<main>{{ notice_body(c) }}</main>"
    with notice_of(app, notice_id) as notice:
        body = app.jinja_env.from_string(page).render(c=notice.content)
    assert body.startswith("<main><article") and "<html" not in body and TITLE in body


def test_pdf_names_the_overdue_unit(app, people, inspection_id):
    from pypdf import PdfReader

    from core.inspections.notices import pdf_bytes

    notice_id = issue(app, people["office"], inspection_id)
    with notice_of(app, notice_id) as notice:
        data = pdf_bytes(notice)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "")
    assert TITLE in text.replace("\n", "")
    overdue_section = text[text.rindex("逾期未整改单位"):]
    assert "东坡村" in overdue_section
    assert "第1页" in text  # page numbers


def test_docx_has_the_unit_tables_and_a_chinese_font(app, people, inspection_id):
    from docx import Document
    from docx.oxml.ns import qn

    from core.inspections.notices import DOCX_COLUMNS, DOCX_FONT, docx_bytes

    notice_id = issue(app, people["office"], inspection_id)
    with notice_of(app, notice_id) as notice:
        document = Document(io.BytesIO(docx_bytes(notice)))
    texts = [p.text for p in document.paragraphs]
    assert TITLE in texts and "林长办通报〔2026〕1号" in texts
    assert len(document.tables) == 2  # one per responsible unit
    assert tuple(c.text for c in document.tables[0].rows[0].cells) == DOCX_COLUMNS
    first_row = [c.text for c in document.tables[0].rows[1].cells]
    assert first_row == ["1", "林区入口未设防火警示牌", "严重", "2026年3月20日", "整改中", "是"]
    overdue = texts[texts.index("四、逾期未整改单位") + 1]
    assert "东坡村" in overdue
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == DOCX_FONT
