"""The permit registers through the pages: register, list with filters, export, correct;
refused input; who may write; a bounded number of queries."""

from __future__ import annotations

import io
import re
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.testing import post_form as post
from tests.plugins.forestry.helpers import permit_form

JULY_1 = date(2026, 7, 1)
PERMIT_HEADERS = ("许可证编号", "持证人", "采伐地点", "树种", "采伐蓄积(立方米)", "采伐面积(亩)",
                  "有效期起", "有效期止", "发证日期")


def permit_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/forestry/permits/(\d+)$", response.headers["Location"]).group(1))


def count(app, model) -> int:
    from core.db import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    return list(book.active.iter_rows(values_only=True))


def test_register_list_filter_export_and_correct_a_permit(app, login_as):
    forestry = login_as("liaison", "natural_resources")
    number = permit_id(post(forestry, "/forestry/permits/new", permit_form()))
    permit_id(post(forestry, "/forestry/permits/new", permit_form(
        "粤林采〔2026〕0013号", holder="西山林场", species="马尾松", volume_m3="12.125",
        area_mu="4.5", valid_until="2026-08-31")))

    page = forestry.get(f"/forestry/permits/{number}").get_data(as_text=True)
    assert "东坡村林业合作社" in page and "85.500" in page and "镇自然资源所" in page

    listed = forestry.get("/forestry/permits/").get_data(as_text=True)
    assert listed.count('data-permit="') == 2
    assert "97.625" in listed  # the total volume of the two permits
    one = forestry.get("/forestry/permits/?q=马尾松").get_data(as_text=True)
    assert re.findall(r'data-permit="([^"]+)"', one) == ["粤林采〔2026〕0013号"]

    rows = rows_of(forestry.get("/forestry/permits.xlsx?q=杉木"))
    assert rows[0] == PERMIT_HEADERS
    assert len(rows) == 2
    assert rows[1][:6] == ("粤林采〔2026〕0012号", "东坡村林业合作社", "东坡村后山3林班", "杉木",
                           85.5, 30.0)
    assert [str(value)[:10] for value in rows[1][6:]] == ["2026-07-01", "2026-12-31",
                                                          "2026-07-01"]

    # correct it: the form carries the version it was loaded at
    edit = f"/forestry/permits/{number}/edit"
    form = forestry.get(edit).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    assert permit_id(post(forestry, edit, permit_form(volume_m3="90", version=version))) == number
    assert "90.000" in forestry.get(f"/forestry/permits/{number}").get_data(as_text=True)
    # a second save from the same (now stale) form overwrites nothing
    stale = post(forestry, edit, permit_form(volume_m3="1", version=version))
    assert stale.status_code == 409
    assert "90.000" in forestry.get(f"/forestry/permits/{number}").get_data(as_text=True)


def test_refused_input_re_renders_with_field_errors_and_stores_nothing(app, login_as):
    from plugins.forestry.models import LoggingPermit

    forestry = login_as("liaison", "natural_resources")
    # the form's own checks: missing holder, a negative volume, an infinite area
    response = post(forestry, "/forestry/permits/new",
                    permit_form(holder="", volume_m3="-3", area_mu="inf", note="保留的备注"))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    for name in ("holder", "volume_m3", "area_mu"):
        assert f'id="{name}-errors"' in body, name
    assert "保留的备注" in body
    # the service's rules: a validity ending before it starts
    response = post(forestry, "/forestry/permits/new",
                    permit_form(valid_from="2026-09-01", valid_until="2026-08-01"))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="valid_until-errors"' in body and 'value="东坡村林业合作社"' in body
    assert count(app, LoggingPermit) == 0
    # a number already registered
    permit_id(post(forestry, "/forestry/permits/new", permit_form()))
    duplicate = post(forestry, "/forestry/permits/new", permit_form(holder="另一个人"))
    assert duplicate.status_code == 400
    assert 'id="number-errors"' in duplicate.get_data(as_text=True)
    assert count(app, LoggingPermit) == 1


def test_only_the_forestry_departments_staff_write(app, login_as):
    forestry = login_as("liaison", "natural_resources")
    number = permit_id(post(forestry, "/forestry/permits/new", permit_form()))

    police = login_as("liaison", "police")  # the plugin does not serve the police station
    assert police.get("/forestry/permits/").status_code == 403
    token_page = "/cases/"
    assert post(police, "/forestry/permits/new", permit_form("X-1"), token_page
                ).status_code == 403
    assert post(police, f"/forestry/permits/{number}/edit", permit_form("X-1"), token_page
                ).status_code == 403

    office = login_as("office", "office")  # reads every register, writes none
    assert office.get("/forestry/permits/").status_code == 200
    assert office.get(f"/forestry/permits/{number}").status_code == 200
    assert office.get("/forestry/permits/new").status_code == 403
    assert post(office, "/forestry/permits/new", permit_form("X-2"), token_page
                ).status_code == 403

    # another department that switched the plugin on registers its own permits but does
    # not correct the natural-resources office's
    leader = login_as("leader", "agriculture")
    post(leader, "/departments/agriculture/settings", {"plugins": ["forestry"]})
    assert leader.get(f"/forestry/permits/{number}/edit").status_code == 403
    assert permit_id(post(leader, "/forestry/permits/new", permit_form("农采-1")))

    auditor = login_as("auditor", "office")
    assert auditor.get("/forestry/permits/").status_code == 403


def test_land_use_permits_register_and_export(app, login_as):
    forestry = login_as("member", "natural_resources")
    response = post(forestry, "/forestry/land-use/new", {
        "number": "粤林地审字〔2026〕8号", "holder": "县交通运输局", "project": "X123线改建工程",
        "place_name": "西山村", "area_mu": "12.5", "purpose": "公路建设",
        "approved_on": "2026-05-10", "valid_until": "2028-05-09"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    listed = forestry.get("/forestry/land-use/?validity=valid").get_data(as_text=True)
    assert "X123线改建工程" in listed
    rows = rows_of(forestry.get("/forestry/land-use.xlsx"))
    assert rows[0] == ("审核同意书编号", "用地单位", "建设项目", "用地地点", "使用林地面积(亩)",
                       "用途", "审核同意日期", "有效期止")
    assert rows[1][:6] == ("粤林地审字〔2026〕8号", "县交通运输局", "X123线改建工程", "西山村",
                           12.5, "公路建设")
    refused = post(forestry, "/forestry/land-use/new", {
        "number": "粤林地审字〔2026〕9号", "holder": "某公司", "place_name": "东坡村",
        "area_mu": "1", "purpose": "采石", "approved_on": "2026-05-10",
        "valid_until": "2026-01-01"})
    assert refused.status_code == 400
    assert 'id="valid_until-errors"' in refused.get_data(as_text=True)


def test_plugin_page_links_the_registers(app, login_as):
    forestry = login_as("liaison", "natural_resources")
    post(forestry, "/forestry/permits/new", permit_form(valid_from="2020-01-01",
                                                        issued_on="2020-01-01",
                                                        valid_until="2999-12-31"))
    page = forestry.get("/forestry/").get_data(as_text=True)
    for path in ("/forestry/permits/", "/forestry/land-use/", "/forestry/cases/",
                 "/forestry/permits/new"):
        assert f'href="{path}"' in page, path
    assert re.search(r'data-count="permits">1<', page)
    assert "镇自然资源所" in page  # the departments served


def test_permit_list_runs_a_bounded_number_of_queries(app, login_as, count_queries):
    from core import audit
    from core.accounts.models import User
    from core.db import db
    from plugins.forestry import services

    client = login_as("liaison", "natural_resources", username="many.permits")

    def add(n: int, start: int) -> None:
        with app.test_request_context(), audit.acting_as(name="test"):
            user = db.session.scalar(select(User).where(User.username == "many.permits"))
            for i in range(start, start + n):
                services.issue_permit(user, services.PermitInput(
                    number=f"P-{i}", holder=f"持证人{i}", place_name="东坡村", species="杉木",
                    volume_m3=1.5, area_mu=1, valid_from=JULY_1, valid_until=JULY_1,
                    issued_on=JULY_1))
            db.session.commit()

    def queries() -> int:
        with count_queries() as q:
            assert client.get("/forestry/permits/").status_code == 200
        return q.count

    add(3, 0)
    small = queries()
    add(40, 3)
    assert queries() == small
    assert small <= 14, small
