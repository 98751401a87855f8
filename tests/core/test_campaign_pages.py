"""Special campaigns through the pages: the office creates the mining campaign from the form
(three phases, today's highlighted), departments fill only their own column group (another
group is 403), the ledger's grouped header, Excel import errors by cell, reports filed with
their ledger snapshot, the results table, clues with feedback, closing; a department not
taking part gets 404 everywhere; every page in English too; bounded queries."""

from __future__ import annotations

import io
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.testing import SHANGHAI, csrf_token, login, post_form

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def people(campaign_people: dict[str, int]) -> dict[str, int]:
    return campaign_people


def _signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _month_start() -> str:
    return datetime.now(SHANGHAI).date().replace(day=1).isoformat()


def _create(app: Any, people: dict[str, int], start: str | None = None) -> int:
    """The office creates the mining campaign through the form; its id."""
    office = _signed_in(app, "wang.office")
    done = post_form(office, "/campaigns/new", {
        "template": "mining", "starts_on": start or _month_start(), "title": "",
        "ledger_unit": "交城县自然资源局"})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    match = re.fullmatch(r"/campaigns/(\d+)", done.headers["Location"])
    assert match, done.headers["Location"]
    return int(match.group(1))


def _add_row(client: Any, campaign_id: int, party: str = "某砂石厂", **extra: Any) -> int:
    ledger = f"/campaigns/{campaign_id}/ledger"
    done = post_form(client, ledger, {"row-county": "交城县", "row-party": party,
                                      "row-location": "西社镇", "row-category": "砂石",
                                      **extra})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    match = re.fullmatch(rf"{ledger}/(\d+)", done.headers["Location"])
    assert match, done.headers["Location"]
    return int(match.group(1))


def _cells(app: Any, row_id: int) -> dict[tuple[str, str], Any]:
    from core.campaigns.models import LedgerRow
    from core.db import db

    with app.app_context():
        return db.session.get(LedgerRow, row_id).values()


# ------------------------------------------------------------------------- creation


def test_office_creates_the_mining_campaign_from_the_form(app: Any, people: dict[str, int]
                                                          ) -> None:
    office = _signed_in(app, "wang.office")
    form = office.get("/campaigns/new").get_data(as_text=True)
    assert "严厉打击非法违法采矿、非法占地专项行动" in form and "调查摸排阶段" in form
    assert "2021-04-01 – 2021-04-30" in form  # the document's dates
    first = (datetime.now(SHANGHAI).date() + relativedelta(months=1)).replace(day=1)
    assert f'value="{first.isoformat()}"' in form  # default: the first day of next month

    bad = post_form(office, "/campaigns/new", {"template": "mining", "starts_on": ""})
    assert bad.status_code == 400 and "is-invalid" in bad.get_data(as_text=True)
    absurd = post_form(office, "/campaigns/new", {"template": "mining",
                                                  "starts_on": "9999-12-01"})
    assert absurd.status_code == 400
    unknown = post_form(office, "/campaigns/new", {"template": "nowhere",
                                                   "starts_on": _month_start()})
    assert unknown.status_code == 400

    campaign_id = _create(app, people)
    page = office.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    for phase in ("调查摸排阶段", "打击处理阶段", "总结评估阶段"):
        assert phase in page
    assert page.count('data-phase="') == 3
    # Started this month: the survey phase (a whole month) is today's.
    current = re.search(r'data-current="true" data-phase="(\w+)"', page)
    assert current and current.group(1) == "survey"
    leadership = page.split('data-testid="leadership"')[1].split("</table>")[0]
    assert leadership.count("<tr>") == 7  # the header, 组长, three 副组长, two 成员
    assert "张五宁" in leadership and "孟锁平" in leadership and "李志刚" in leadership
    assert "吕梁市自然资源局（吕自然资发〔2021〕118号）" in page
    assert "无证勘查、开采" in page  # a focus offence type by its name
    assert "自然资源局执法大队" in page  # the campaign office
    assert 'href="/tasks/' in page  # phase tasks link to the tasks
    assert 'data-testid="late-board"' in page
    listed = office.get("/campaigns/").get_data(as_text=True)
    assert f'href="/campaigns/{campaign_id}"' in listed and "调查摸排阶段" in listed
    assert office.get("/campaigns/?state=closed").get_data(as_text=True).count(
        f'href="/campaigns/{campaign_id}"') == 0


def test_only_the_office_and_leaders_create_campaigns(app: Any, people: dict[str, int]
                                                      ) -> None:
    police = _signed_in(app, "li.police")
    assert police.get("/campaigns/new").status_code == 403
    assert 'data-testid="new-campaign"' not in police.get("/campaigns/").get_data(
        as_text=True)
    leader = _signed_in(app, "zhang.nr")
    assert leader.get("/campaigns/new").status_code == 200


def test_a_broken_template_is_flashed_naming_file_and_key(app: Any, people: dict[str, int],
                                                          monkeypatch: Any, tmp_path: Any
                                                          ) -> None:
    from core.campaigns import config

    text = (config.TEMPLATES_DIR / "mining.toml").read_text(encoding="utf-8")
    (tmp_path / "mining.toml").write_text(text.replace(
        'department = "police"\ncolumns = "detentions"',
        'department = "police"\ncolumns = "nothing_like_it"'), encoding="utf-8")
    monkeypatch.setattr(config, "TEMPLATES_DIR", tmp_path)
    office = _signed_in(app, "wang.office")
    refused = post_form(office, "/campaigns/new", {"template": "mining",
                                                   "starts_on": _month_start()})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "mining.toml" in page and "ledger.group[1].columns" in page
    from core.campaigns.models import Campaign
    from core.db import db

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0



def test_the_wildlife_campaign_has_a_two_row_header_and_staged_reports(
        app: Any, people: dict[str, int]) -> None:
    office = _signed_in(app, "wang.office")
    done = post_form(office, "/campaigns/new", {"template": "wildlife",
                                                "starts_on": _month_start()})
    assert done.status_code == 302
    base = done.headers["Location"]
    ledger = office.get(f"{base}/ledger").get_data(as_text=True)
    header = ledger.split("<thead")[1].split("</thead>")[0]
    assert header.count("<tr>") == 2 and 'rowspan="2"' in header
    assert "林业部门处理情况" in header and "市场监管部门处理情况" in header
    # Finance takes part here: it adds a row and fills its own group.
    finance = _signed_in(app, "qian.finance")
    row_id = _add_row(finance, int(base.rsplit("/", 1)[1]), "某工艺品店")
    row_page = f"{base}/ledger/{row_id}"
    form = finance.get(row_page).get_data(as_text=True)
    assert 'data-testid="fill-group"' in form and 'name="cell_places_checked"' not in form
    # Staged reports by fixed dates and the final report: three a department, no rhythm.
    reports = office.get(f"{base}/reports?department=finance").get_data(as_text=True)
    table = reports.split('data-testid="reports"')[1]
    assert table.count("<tr>") == 4 and 'data-testid="rhythm"' not in reports
    assert "阶段性工作情况（第一次）" in table and "行动总结报告" in table


# --------------------------------------------------------------------------- ledger


def test_departments_fill_only_their_own_group(app: Any, people: dict[str, int]) -> None:
    campaign_id = _create(app, people)
    nr = _signed_in(app, "su.nr")
    row_id = _add_row(nr, campaign_id)
    row_page = f"/campaigns/{campaign_id}/ledger/{row_id}"
    page = nr.get(row_page).get_data(as_text=True)
    # Only its own group's form: land and mining columns, 是/否 for yes/no.
    assert 'name="cell_land_area"' in page and 'name="cell_criminal_detentions"' not in page
    assert '<option value="是">是</option>' in page
    filled = post_form(nr, f"{row_page}/group/natural_resources", {
        "cell_land_area": "12.5", "cell_land_fine": "30000", "cell_land_restored": "否",
        "cell_mining_banned": "是"}, page=row_page)
    assert filled.status_code == 302

    police = _signed_in(app, "li.police")
    page = police.get(row_page).get_data(as_text=True)
    assert 'name="cell_criminal_detentions"' in page and 'name="cell_land_area"' not in page
    assert post_form(police, f"{row_page}/group/police", {
        "cell_criminal_detentions": "2", "cell_arrests": "1"}, page=row_page).status_code == 302
    # The police may not touch natural resources' figures, nor the office the police's.
    refused = post_form(police, f"{row_page}/group/natural_resources",
                        {"cell_land_area": "1"}, page=row_page)
    assert refused.status_code == 403
    office = _signed_in(app, "wang.office")
    assert post_form(office, f"{row_page}/group/police", {"cell_arrests": "9"},
                     page=row_page).status_code == 403
    assert post_form(police, f"{row_page}/group/nowhere", {}, page=row_page).status_code == 404
    # A bad figure keeps what was typed and names the field; nothing changes.
    bad = post_form(police, f"{row_page}/group/police", {"cell_arrests": "1.5",
                                                          "cell_criminal_detentions": "3"},
                    page=row_page)
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "is-invalid" in text and 'value="1.5"' in text
    values = _cells(app, row_id)
    assert values[("natural_resources", "land_area")] == Decimal("12.50")
    assert values[("natural_resources", "land_restored")] is False
    assert values[("natural_resources", "mining_banned")] is True
    assert values[("police", "criminal_detentions")] == 2
    assert values[("police", "arrests")] == 1

    ledger = office.get(f"/campaigns/{campaign_id}/ledger").get_data(as_text=True)
    # The document's grouped header: group titles, subgroups, labels with units.
    assert re.search(r'colspan="7"[^>]*>自然资源部门处理情况', ledger)
    assert re.search(r'colspan="3"[^>]*>公安部门处理情况', ledger)
    assert re.search(r'colspan="3"[^>]*>占地方面', ledger)
    assert re.search(r'colspan="4"[^>]*>采矿方面', ledger)
    assert "开采矿种" in ledger and "(亩)" in ledger and "单位：亩、元、吨、人" in ledger
    assert "填报单位：交城县自然资源局" in ledger
    body = ledger.split("<tbody>")[1].split("</tbody>")[0]
    assert re.findall(r'<td class="[^"]*" data-cell>([^<]*)</td>', body) == [
        "12.5", "30000", "否", "", "", "", "是", "", "2", "1"]


def test_rows_are_added_corrected_and_deleted_by_their_department(app: Any,
                                                                  people: dict[str, int]
                                                                  ) -> None:
    from core import audit
    from core.accounts.models import User
    from core.cases.services import CaseInput, open_case
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        case = open_case(db.session.get(User, people["police"]),
                         CaseInput(title="西社镇非法采砂案", offence_type="police.wildlife_trade"))
        db.session.commit()
        case_id = case.id
    campaign_id = _create(app, people)
    ledger = f"/campaigns/{campaign_id}/ledger"
    police = _signed_in(app, "li.police")
    missing = post_form(police, ledger, {"row-party": "", "row-county": "交城县"})
    assert missing.status_code == 400 and 'value="交城县"' in missing.get_data(as_text=True)
    unseen = post_form(police, ledger, {"row-party": "某厂", "row-case_id": "999999"})
    assert unseen.status_code == 400
    row_id = _add_row(police, campaign_id, "某石料厂", **{"row-case_id": str(case_id),
                                                      "row-phase": "crackdown"})
    row_page = f"{ledger}/{row_id}"
    page = police.get(row_page).get_data(as_text=True)
    assert f'href="/cases/{case_id}"' in page and "打击处理阶段" in page
    assert f'href="/cases/{case_id}"' in police.get(ledger).get_data(as_text=True)

    # Not the row's department, but the campaign office's liaison: it may correct any row.
    nr = _signed_in(app, "su.nr")
    fixed = post_form(nr, f"{row_page}/core", {"row-party": "某石料厂（已更名）",
                                               "row-phase": "crackdown",
                                               "row-case_id": ""}, page=row_page)
    assert fixed.status_code == 302
    stale = post_form(nr, f"{row_page}/core", {"row-party": "过时的表单", "row-version": "1"},
                      page=row_page)
    assert stale.status_code == 409 and "过时的表单" in stale.get_data(as_text=True)
    nr_member = _signed_in(app, "liu.nr")  # a member of the campaign office: not its voice
    assert post_form(nr_member, f"{row_page}/core", {"row-party": "x"},
                     page=row_page).status_code == 403
    page = police.get(row_page).get_data(as_text=True)
    assert "某石料厂（已更名）" in page and f'href="/cases/{case_id}"' not in page

    assert post_form(nr_member, f"{row_page}/delete", {}, page=row_page).status_code == 403
    deleted = post_form(police, f"{row_page}/delete", {}, page=row_page)
    assert deleted.status_code == 302 and deleted.headers["Location"] == ledger
    assert police.get(row_page).status_code == 404


def test_the_office_keeps_the_footer(app: Any, people: dict[str, int]) -> None:
    campaign_id = _create(app, people)
    ledger = f"/campaigns/{campaign_id}/ledger"
    office = _signed_in(app, "wang.office")
    saved = post_form(office, f"{ledger}/footer", {
        "footer-unit": "交城县自然资源局", "footer-reviewer": "苏瑾",
        "footer-filed_on": "2021-05-15", "footer-filed_by": "李明"})
    assert saved.status_code == 302
    page = office.get(ledger).get_data(as_text=True)
    assert "审核人：苏瑾" in page and "填报时间：2021年5月15日" in page and "填报人：李明" in page
    police = _signed_in(app, "li.police")
    assert 'data-testid="footer-form"' not in police.get(ledger).get_data(as_text=True)
    assert post_form(police, f"{ledger}/footer", {"footer-reviewer": "x"},
                     page=ledger).status_code == 403


def test_excel_import_lists_bad_cells_and_imports_nothing(app: Any, people: dict[str, int]
                                                          ) -> None:
    campaign_id = _create(app, people)
    nr = _signed_in(app, "su.nr")
    row_id = _add_row(nr, campaign_id)
    row_page = f"/campaigns/{campaign_id}/ledger/{row_id}"
    post_form(nr, f"{row_page}/group/natural_resources", {"cell_land_area": "3"},
              page=row_page)
    ledger = f"/campaigns/{campaign_id}/ledger"
    exported = nr.get(f"{ledger}.xlsx")
    assert exported.status_code == 200 and exported.mimetype == XLSX
    original = exported.data

    same = post_form(nr, f"{ledger}/import",
                     {"import-file": (io.BytesIO(original), "ledger.xlsx")})
    assert same.status_code == 302
    assert "alert-success" in nr.get(ledger).get_data(as_text=True)

    workbook = load_workbook(io.BytesIO(original))
    sheet = workbook.active
    target = None
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == 3:
                target = cell
    assert target is not None, "the exported figure is in the sheet"
    target.value = "abc"
    broken = io.BytesIO()
    workbook.save(broken)
    refused = post_form(nr, f"{ledger}/import",
                        {"import-file": (io.BytesIO(broken.getvalue()), "ledger.xlsx")})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'data-testid="import-problems"' in page and target.coordinate in page
    assert "非法占地面积" in page
    assert _cells(app, row_id)[("natural_resources", "land_area")] == Decimal("3.00")

    not_excel = post_form(nr, f"{ledger}/import",
                          {"import-file": (io.BytesIO(b"hello"), "ledger.xlsx")})
    assert not_excel.status_code == 400
    wrong_kind = post_form(nr, f"{ledger}/import",
                           {"import-file": (io.BytesIO(b"hello"), "ledger.csv")})
    assert wrong_kind.status_code == 400
    assert post_form(nr, f"{ledger}/import", {}).status_code == 400


# -------------------------------------------------------------------------- reports


def test_a_department_files_its_report_with_a_ledger_snapshot(app: Any,
                                                               people: dict[str, int]
                                                               ) -> None:
    from core.campaigns.models import CampaignReport
    from core.db import db
    from core.departments.models import Department

    campaign_id = _create(app, people)
    nr = _signed_in(app, "su.nr")
    _add_row(nr, campaign_id, "快照里的砂石厂")
    with app.app_context():
        nr_id = db.session.scalar(select(Department.id).where(
            Department.code == "natural_resources"))
        report_id = db.session.scalar(select(CampaignReport.id).where(
            CampaignReport.campaign_id == campaign_id, CampaignReport.department_id == nr_id,
            CampaignReport.kind == "progress",
            CampaignReport.due_at > datetime.now(SHANGHAI))
            .order_by(CampaignReport.due_at).limit(1))
        final_id = db.session.scalar(select(CampaignReport.id).where(
            CampaignReport.campaign_id == campaign_id, CampaignReport.department_id == nr_id,
            CampaignReport.kind == "final"))
    reports = f"/campaigns/{campaign_id}/reports"
    listing = nr.get(reports).get_data(as_text=True)
    assert 'data-testid="reports"' in listing and 'data-status="' in listing
    report_page = f"{reports}/{report_id}"
    empty = post_form(nr, report_page, {"content": ""})
    assert empty.status_code == 400
    filed = post_form(nr, report_page, {"content": "本期排查砂石厂一家。"})
    assert filed.status_code == 302
    page = nr.get(report_page).get_data(as_text=True)
    assert "本期排查砂石厂一家。" in page and 'data-testid="snapshot"' in page
    assert "快照里的砂石厂" in page and 'data-status="filed"' in page
    # A correction shows what was filed; of two correcting from the same page, the second
    # is told someone changed it first, and nothing is overwritten.
    import re

    version = re.search(r'name="version"[^>]*value="(\d+)"', page) or re.search(
        r'value="(\d+)"[^>]*name="version"', page)
    assert version is not None
    leader = _signed_in(app, "zhang.nr")
    first = post_form(nr, report_page, {"content": "更正：排查砂石厂两家。",
                                        "version": version.group(1)})
    assert first.status_code == 302
    second = post_form(leader, report_page, {"content": "另一份更正",
                                             "version": version.group(1)})
    assert second.status_code == 409
    assert "更正：排查砂石厂两家。" in nr.get(report_page).get_data(as_text=True)
    # The final report needs the self-assessment.
    final_page = f"{reports}/{final_id}"
    assert post_form(nr, final_page, {"content": "总结"}).status_code == 400
    # The police see their own reports only; they may not file the natural resources'.
    police = _signed_in(app, "li.police")
    assert police.get(report_page).status_code == 404
    assert post_form(police, report_page, {"content": "x"},
                     page=reports).status_code == 404
    filtered = nr.get(f"{reports}?state=filed").get_data(as_text=True)
    table = filtered.split('data-testid="reports"')[1]
    assert table.count(f'href="{reports}/') == 1
    office = _signed_in(app, "wang.office")
    by_police = office.get(f"{reports}?department=police").get_data(as_text=True)
    assert "公安" in by_police and f'href="{report_page}"' not in by_police


# -------------------------------------------------------------------------- results


def test_results_page_totals_the_ledger(app: Any, people: dict[str, int]) -> None:
    campaign_id = _create(app, people)
    nr = _signed_in(app, "su.nr")
    for party, area in (("甲厂", "2.5"), ("乙厂", "4")):
        row_id = _add_row(nr, campaign_id, party)
        row_page = f"/campaigns/{campaign_id}/ledger/{row_id}"
        post_form(nr, f"{row_page}/group/natural_resources", {"cell_land_area": area},
                  page=row_page)
    results = f"/campaigns/{campaign_id}/results"
    page = nr.get(results).get_data(as_text=True)
    assert re.search(r'data-column="land_area">6\.5<', page)
    assert "<svg" in page and 'data-testid="by-phase-total"' in page
    download = nr.get(f"{results}.xlsx")
    assert download.status_code == 200 and download.mimetype == XLSX


# ---------------------------------------------------------------------------- clues


def test_clues_are_attached_and_fed_back(app: Any, people: dict[str, int]) -> None:
    from core import audit
    from core.accounts.models import User
    from core.cases.services import CaseInput, open_case
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        lead = open_case(db.session.get(User, people["police"]), CaseInput(
            title="群众反映夜间偷采", offence_type="police.wildlife_trade", kind="lead"))
        db.session.commit()
        lead_id = lead.id
    campaign_id = _create(app, people)
    clues = f"/campaigns/{campaign_id}/clues"
    police = _signed_in(app, "li.police")
    page = police.get(clues).get_data(as_text=True)
    assert 'data-testid="attach-tip"' not in page and f"#{lead_id} 群众反映夜间偷采" in page
    attached = post_form(police, f"{clues}/lead", {"lead-case_id": str(lead_id)})
    assert attached.status_code == 302
    again = post_form(police, f"{clues}/lead", {"lead-case_id": str(lead_id)}, page=clues)
    assert again.status_code == 400
    office = _signed_in(app, "wang.office")
    page = office.get(clues).get_data(as_text=True)
    assert 'data-feedback="awaiting"' in page and "群众反映夜间偷采" in page
    assert 'data-testid="attach-tip"' in page
    no_tip = post_form(office, f"{clues}/tip", {"tip-tip_id": "424242"})
    assert no_tip.status_code == 400 and "is-invalid" in no_tip.get_data(as_text=True)

    from core.campaigns.models import CampaignClue

    with app.app_context():
        clue_id = db.session.scalar(select(CampaignClue.id))
    feedback = f"{clues}/{clue_id}/feedback"
    # The natural resources (campaign office) see it but do not answer for the police.
    nr = _signed_in(app, "su.nr")
    assert post_form(nr, feedback, {"feedback-text": "x"}, page=clues).status_code == 403
    assert post_form(police, feedback, {"feedback-text": ""}, page=clues).status_code == 400
    assert post_form(police, feedback, {"feedback-text": "已核查，立案侦查"},
                     page=clues).status_code == 302
    page = office.get(clues).get_data(as_text=True)
    assert 'data-feedback="answered"' in page and "已核查，立案侦查" in page
    assert office.get(f"{clues}?state=awaiting").get_data(as_text=True).count(
        "data-clue=") == 0
    overview = office.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'data-testid="clue-counts"' in overview


# -------------------------------------------------------------------------- closing


def test_the_campaign_office_closes_the_campaign(app: Any, people: dict[str, int]) -> None:
    campaign_id = _create(app, people)
    page = f"/campaigns/{campaign_id}"
    police = _signed_in(app, "li.police")
    assert 'data-testid="close-campaign"' not in police.get(page).get_data(as_text=True)
    assert post_form(police, f"{page}/close", {}, page=page).status_code == 403
    nr_leader = _signed_in(app, "zhang.nr")
    closed = post_form(nr_leader, f"{page}/close", {}, page=page)
    assert closed.status_code == 302
    text = nr_leader.get(page).get_data(as_text=True)
    assert 'data-state="closed"' in text and 'data-testid="close-campaign"' not in text
    # Closed: no more rows.
    ledger = f"{page}/ledger"
    assert 'data-testid="add-row"' not in police.get(ledger).get_data(as_text=True)
    assert post_form(police, ledger, {"row-party": "x"}, page=page).status_code == 403


# --------------------------------------------------------------------------- access


def test_a_department_not_taking_part_gets_404_everywhere(app: Any, people: dict[str, int]
                                                          ) -> None:
    campaign_id = _create(app, people)
    nr = _signed_in(app, "su.nr")
    row_id = _add_row(nr, campaign_id)
    base = f"/campaigns/{campaign_id}"
    finance = _signed_in(app, "qian.finance")
    assert f'href="{base}"' not in finance.get("/campaigns/").get_data(as_text=True)
    for path in (base, f"{base}/ledger", f"{base}/ledger.xlsx", f"{base}/ledger/{row_id}",
                 f"{base}/reports", f"{base}/reports/1", f"{base}/results",
                 f"{base}/results.xlsx", f"{base}/clues"):
        assert finance.get(path).status_code == 404, path
    token = csrf_token(finance, "/campaigns/")
    for path in (f"{base}/close", f"{base}/ledger", f"{base}/ledger/footer",
                 f"{base}/ledger/import", f"{base}/ledger/{row_id}/core",
                 f"{base}/ledger/{row_id}/group/natural_resources",
                 f"{base}/ledger/{row_id}/delete", f"{base}/reports/1",
                 f"{base}/clues/tip", f"{base}/clues/lead", f"{base}/clues/1/feedback"):
        response = finance.post(path, data={"csrf_token": token})
        assert response.status_code == 404, path
    assert finance.get("/campaigns/999999").status_code == 404


def test_system_roles_read_no_campaign_pages(app: Any, people: dict[str, int],
                                             login_as: Any) -> None:
    campaign_id = _create(app, people)
    admin = login_as("admin", "office")
    assert admin.get("/campaigns/").status_code == 403
    assert admin.get(f"/campaigns/{campaign_id}").status_code == 403


def test_every_page_in_english(app: Any, people: dict[str, int]) -> None:
    campaign_id = _create(app, people)
    nr = _signed_in(app, "su.nr")
    row_id = _add_row(nr, campaign_id)
    token = csrf_token(nr, "/campaigns/")
    nr.post("/lang/en", data={"csrf_token": token, "next": "/campaigns/"})
    base = f"/campaigns/{campaign_id}"
    from core.campaigns.models import CampaignReport
    from core.db import db

    with app.app_context():
        report_id = db.session.scalar(select(CampaignReport.id).where(
            CampaignReport.campaign_id == campaign_id).limit(1))
    for path in ("/campaigns/", "/campaigns/new", base, f"{base}/ledger",
                 f"{base}/ledger/{row_id}", f"{base}/reports", f"{base}/reports/{report_id}",
                 f"{base}/results", f"{base}/clues"):
        response = nr.get(path)
        assert response.status_code == (403 if path.endswith("/new") else 200), path
        assert '<html lang="en">' in response.get_data(as_text=True), path
    overview = nr.get(base).get_data(as_text=True)
    assert "Survey" in overview and "Crackdown" in overview
    ledger = nr.get(f"{base}/ledger").get_data(as_text=True)
    assert "Natural resources handling" in ledger and "(mu)" in ledger and "Mineral" in ledger
    leader = _signed_in(app, "zhang.nr")
    leader.post("/lang/en", data={"csrf_token": csrf_token(leader, "/campaigns/"),
                                  "next": "/campaigns/"})
    assert leader.get("/campaigns/new").status_code == 200


# -------------------------------------------------------------------- query counts


def test_queries_do_not_grow_with_the_ledger(app: Any, people: dict[str, int],
                                             count_queries: Any) -> None:
    campaign_id = _create(app, people)
    nr = _signed_in(app, "su.nr")
    police = _signed_in(app, "li.police")
    office = _signed_in(app, "wang.office")

    def fill(n: int) -> None:
        for i in range(n):
            row_id = _add_row(nr, campaign_id, f"厂{i}")
            row_page = f"/campaigns/{campaign_id}/ledger/{row_id}"
            post_form(nr, f"{row_page}/group/natural_resources",
                      {"cell_land_area": str(i + 1), "cell_land_restored": "是"}, page=row_page)
            post_form(police, f"{row_page}/group/police", {"cell_arrests": "1"},
                      page=row_page)

    paths = [f"/campaigns/{campaign_id}/ledger", "/campaigns/",
             f"/campaigns/{campaign_id}/reports", f"/campaigns/{campaign_id}/results"]

    def measure() -> list[int]:
        counts = []
        for path in paths:
            office.get(path)  # warm: the session's user, the flashed messages
            with count_queries() as counter:
                assert office.get(path).status_code == 200
            counts.append(counter.count)
        return counts

    fill(3)
    few = measure()
    fill(27)
    many = measure()
    assert few == many, (few, many)
    # More campaigns do not add queries to the list either.
    _create(app, people)
    _create(app, people)
    with count_queries() as counter:
        office.get("/campaigns/")
    assert counter.count == many[1]

