"""Information sharing: publishing, sensitivity rules everywhere, versions, 409 on stale edits."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from core.testing import csrf_token

CANARY = "CANARY-7f3a9c"


def publish(client, **fields):
    data = {"title": "标题", "category": "enforcement", "sensitivity": "open", "body": ""}
    data.update(fields)
    data["csrf_token"] = csrf_token(client, "/sharing/new")
    return client.post("/sharing/new", data=data)


def item_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/sharing/(\d+)", response.headers["Location"]).group(1))


def xlsx_text(response) -> str:
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    return " ".join(str(cell) for row in workbook.active.iter_rows(values_only=True)
                    for cell in row if cell is not None)


@pytest.fixture
def people(login_as):
    """Signed-in clients: publisher (forestry), environment, police, office."""
    return {
        "forestry": login_as("liaison", "natural_resources", username="lin.forestry"),
        "environment": login_as("member", "environment", username="huan.env"),
        "police": login_as("liaison", "police", username="jing.police"),
        "office": login_as("office", "office", username="ban.office"),
    }


def test_open_item_is_published_and_seen_by_every_department(people):
    new = publish(people["forestry"], title="伐区检查安排", body="下周检查三号伐区",
                  category="forestry.felling_area", tags="伐区, 检查")
    number = item_id(new)
    for client in people.values():
        page = client.get(f"/sharing/{number}").get_data(as_text=True)
        assert "伐区检查安排" in page and "下周检查三号伐区" in page
        assert "伐区检查安排" in client.get("/sharing/").get_data(as_text=True)
    # Chinese substring search, category and tag filters
    office = people["office"]
    assert "伐区检查安排" in office.get("/sharing/?q=三号").get_data(as_text=True)
    assert "伐区检查安排" not in office.get("/sharing/?q=四号").get_data(as_text=True)
    assert "伐区检查安排" in office.get(
        "/sharing/?category=forestry.felling_area").get_data(as_text=True)
    assert "伐区检查安排" in office.get("/sharing/?tag=检查").get_data(as_text=True)


def test_internal_item_is_invisible_outside_the_named_departments(people):
    number = item_id(publish(people["forestry"], title=f"内部采伐许可 {CANARY} 秘密标题",
                             body=f"许可证明细 {CANARY}", sensitivity="internal",
                             category="forestry.logging_permit", shared_with="environment"))
    env, police = people["environment"], people["police"]
    assert CANARY in env.get(f"/sharing/{number}").get_data(as_text=True)
    assert env.get("/api/v1/info-items").headers["X-Total-Count"] == "1"
    assert CANARY in xlsx_text(env.get("/sharing/export.xlsx"))

    assert police.get(f"/sharing/{number}").status_code == 404
    assert police.get(f"/sharing/{number}/versions").status_code == 404
    assert police.get(f"/sharing/{number}/edit").status_code == 404
    assert police.get(f"/api/v1/info-items/{number}").status_code == 404
    assert CANARY not in police.get("/sharing/").get_data(as_text=True)
    # (search for words of the item: the query itself is echoed back in the page)
    assert CANARY not in police.get("/sharing/?q=秘密标题").get_data(as_text=True)
    assert police.get("/api/v1/info-items").headers["X-Total-Count"] == "0"
    assert police.get("/api/v1/info-items?q=秘密标题").get_json() == []
    assert CANARY not in xlsx_text(police.get("/sharing/export.xlsx"))
    # The office is not named either.
    assert people["office"].get(f"/sharing/{number}").status_code == 404


def test_sensitive_item_is_for_named_people_and_the_publisher(people, login_as):
    number = item_id(publish(people["forestry"], title="举报人信息", body="联系方式",
                             sensitivity="sensitive", readers="jing.police"))
    assert people["police"].get(f"/sharing/{number}").status_code == 200
    assert people["environment"].get(f"/sharing/{number}").status_code == 404
    colleague = login_as("member", "natural_resources")
    assert colleague.get(f"/sharing/{number}").status_code == 200
    other_police = login_as("member", "police")
    assert other_police.get(f"/sharing/{number}").status_code == 404


def test_classified_keeps_only_the_register_entry(people):
    refused = publish(people["forestry"], title="涉密文件", sensitivity="classified",
                      body="秘密内容", shared_with="police")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "秘密内容" in page  # the form keeps the input so nothing typed is lost
    missing = publish(people["forestry"], title="涉密文件", sensitivity="classified",
                      shared_with="police")
    assert missing.status_code == 400
    ok = publish(people["forestry"], title="涉密文件登记", sensitivity="classified",
                 shared_with="police", reference_no="林密〔2026〕3号", consult_at="林长办机要室")
    number = item_id(ok)
    page = people["police"].get(f"/sharing/{number}").get_data(as_text=True)
    assert "林密〔2026〕3号" in page and "林长办机要室" in page
    api = people["forestry"].get(f"/api/v1/info-items/{number}").get_json()
    assert api["body"] == ""
    assert people["environment"].get(f"/sharing/{number}").status_code == 404

    via_api = people["forestry"].post("/api/v1/info-items", json={
        "title": "x", "category": "enforcement", "sensitivity": "classified",
        "body": "secret", "shared_with": ["police"], "reference_no": "1", "consult_at": "x"},
        headers={"X-CSRFToken": csrf_token(people["forestry"], "/sharing/new")})
    assert via_api.status_code == 422
    assert "body" in via_api.get_json()["error"]["fields"]


def test_stale_edit_gets_409_and_overwrites_nothing(people, login_as):
    number = item_id(publish(people["forestry"], title="原标题", body="原文"))
    colleague = login_as("leader", "natural_resources")
    first = people["forestry"]
    page_a = first.get(f"/sharing/{number}/edit").get_data(as_text=True)
    page_b = colleague.get(f"/sharing/{number}/edit").get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page_a)
    assert version and version.group(1) == "1" and 'value="1"' in page_b

    def save(client, body):
        return client.post(f"/sharing/{number}/edit", data={
            "csrf_token": csrf_token(client, f"/sharing/{number}/edit"), "title": "原标题",
            "category": "enforcement", "sensitivity": "open", "body": body, "version": "1"})

    assert save(first, "甲的修改").status_code == 302
    stale = save(colleague, "乙的修改")
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "甲的修改" in text and "乙的修改" in text  # the newer text, and the user's own
    detail = first.get(f"/sharing/{number}").get_data(as_text=True)
    assert "甲的修改" in detail and "乙的修改" not in detail

    history = first.get(f"/sharing/{number}/versions").get_data(as_text=True)
    assert "原文" in history and "甲的修改" in history and "版本 2" in history

    api = colleague.put(f"/api/v1/info-items/{number}", json={
        "title": "原标题", "category": "enforcement", "sensitivity": "open", "body": "丙",
        "version": 1}, headers={"X-CSRFToken": csrf_token(colleague, "/sharing/new")})
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "conflict"


def test_only_the_publishing_department_edits(people):
    number = item_id(publish(people["forestry"], title="只读"))
    assert people["police"].get(f"/sharing/{number}/edit").status_code == 403


@pytest.mark.parametrize("role", ["admin", "auditor", "security"])
def test_system_roles_see_no_business_content(login_as, role):
    client = login_as(role, "office")
    assert client.get("/sharing/").status_code == 403
    assert client.get("/api/v1/info-items").status_code == 403


def test_export_has_the_chinese_headers(people):
    publish(people["forestry"], title="导出测试")
    response = people["office"].get("/sharing/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("编号", "标题", "类别", "发布部门", "密级")
    assert rows[1][1] == "导出测试"


def test_list_query_count_does_not_grow(people, count_queries, app):
    from core import audit
    from core.accounts.models import User
    from core.db import db
    from core.sharing.models import InfoItem, InfoItemDepartment

    office = people["office"]

    def add(n):
        with app.app_context(), audit.acting_as(name="test"):
            user = db.session.query(User).filter_by(username="lin.forestry").one()
            for i in range(n):
                item = InfoItem(title=f"条目{i}", body="", category="enforcement",
                                sensitivity="internal" if i % 2 else "open",
                                department_id=user.department_id, created_by_id=user.id)
                item.shared_with = [InfoItemDepartment(department_id=1)]
                db.session.add(item)
            db.session.commit()

    add(5)
    with count_queries() as small:
        assert office.get("/sharing/").status_code == 200
    add(60)
    with count_queries() as large:
        assert office.get("/sharing/").status_code == 200
    assert large.count == small.count <= 12


ROLES = [("admin", "office"), ("auditor", "office"), ("security", "office"),
         ("office", "office"), ("leader", "police"), ("liaison", "police"),
         ("member", "police"), ("member", "agriculture")]


def test_canary_never_appears_where_it_must_not(app, people, login_as):
    """Plant a canary in restricted items, then crawl every GET route as every role."""
    forestry = people["forestry"]
    internal = item_id(publish(forestry, title=f"{CANARY} internal", body=CANARY,
                               sensitivity="internal", shared_with="environment"))
    sensitive = item_id(publish(forestry, title=f"{CANARY} sensitive", body=CANARY,
                                sensitivity="sensitive", readers="huan.env"))
    classified = item_id(publish(forestry, title=f"{CANARY} classified",
                                 sensitivity="classified", shared_with="environment",
                                 reference_no=CANARY, consult_at=CANARY))
    ids = [internal, sensitive, classified]
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "auth.login"):
            continue
        if "item_id" in rule.arguments:
            urls += [rule.rule.replace("<int:item_id>", str(i)) for i in ids]
        elif "code" in rule.arguments:
            urls += [rule.rule.replace("<code>", c) for c in ("natural_resources", "police")]
        elif not rule.arguments:
            urls.append(rule.rule)
    urls += ["/sharing/?q=internal", "/api/v1/info-items?q=sensitive",
             "/sharing/export.xlsx?q=classified", "/sharing/?sensitivity=internal"]
    for role, department in ROLES:
        client = login_as(role, department)
        for url in urls:
            response = client.get(url)
            body = (xlsx_text(response) if response.mimetype.endswith("sheet")
                    else response.get_data(as_text=True))
            assert CANARY not in body, (role, department, url)


def test_api_publish_list_filter_and_update(people):
    client = people["forestry"]
    headers = {"X-CSRFToken": csrf_token(client, "/sharing/new")}
    created = client.post("/api/v1/info-items", headers=headers, json={
        "title": "火险预警", "category": "emergency.fire_danger_warning", "sensitivity": "open",
        "body": "三级火险", "tags": "火险", "lat": 24.78, "lng": 112.38})
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert item["department"] == "natural_resources" and item["version"] == 1
    assert item["created_by"] == "lin.forestry"

    listed = people["police"].get("/api/v1/info-items?category=emergency.fire_danger_warning")
    assert [i["id"] for i in listed.get_json()] == [item["id"]]
    assert listed.headers["X-Total-Count"] == "1"
    assert people["police"].get("/api/v1/info-items?q=三级").get_json()[0]["id"] == item["id"]

    updated = client.put(f"/api/v1/info-items/{item['id']}", headers=headers, json={
        "title": "火险预警（更新）", "category": "emergency.fire_danger_warning",
        "sensitivity": "open", "body": "四级火险", "version": 1})
    assert updated.status_code == 200 and updated.get_json()["version"] == 2

    bad = client.post("/api/v1/info-items", headers=headers, json={
        "title": "", "category": "nope", "sensitivity": "internal"})
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["fields"]
    assert "category" in fields or "title" in fields
    unknown = client.post("/api/v1/info-items", headers=headers, json={
        "title": "x", "category": "enforcement", "sensitivity": "open", "owner": "me"})
    assert unknown.status_code == 422 and "owner" in unknown.get_json()["error"]["fields"]
    assert people["police"].put(f"/api/v1/info-items/{item['id']}", headers={
        "X-CSRFToken": csrf_token(people["police"], "/sharing/new")}, json={
        "title": "x", "category": "enforcement", "sensitivity": "open", "version": 2,
    }).status_code == 403


def test_date_filters_use_the_site_day(people):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    publish(people["forestry"], title="今日信息")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    office = people["office"]

    def titles(**args):
        return office.get("/api/v1/info-items", query_string=args).get_json()

    assert [i["title"] for i in titles(since=today.isoformat(), until=today.isoformat())] == [
        "今日信息"]
    assert titles(since=(today + timedelta(days=1)).isoformat()) == []
    assert titles(until=(today - timedelta(days=1)).isoformat()) == []


def test_items_shared_with_my_department_reach_my_inbox(people):
    publish(people["forestry"], title="共享给环保办", sensitivity="internal",
            shared_with="environment")
    publish(people["forestry"], title="公开信息")
    env_inbox = people["environment"].get("/notifications/").get_data(as_text=True)
    assert "共享给环保办" in env_inbox and "公开信息" not in env_inbox
    police_inbox = people["police"].get("/notifications/").get_data(as_text=True)
    assert "共享给环保办" not in police_inbox


def test_inbox_hides_titles_of_items_no_longer_shared_with_me(people, login_as):
    forestry = people["forestry"]
    number = item_id(publish(forestry, title=f"许可证 {CANARY}", sensitivity="internal",
                             shared_with="police"))
    assert CANARY in people["police"].get("/notifications/").get_data(as_text=True)
    page = f"/sharing/{number}/edit"
    token = csrf_token(forestry, page)
    assert forestry.post(page, data={
        "csrf_token": token, "title": f"许可证 {CANARY}", "category": "enforcement",
        "sensitivity": "internal", "shared_with": "environment", "version": "1",
    }).status_code == 302
    police = people["police"]
    assert police.get(f"/sharing/{number}").status_code == 404
    inbox = police.get("/notifications/?state=all").get_data(as_text=True)
    assert CANARY not in inbox and f"#{number}" in inbox
    assert CANARY not in police.get("/api/v1/notifications").get_data(as_text=True)


def test_versions_are_for_the_publishing_department_only(people):
    forestry = people["forestry"]
    number = item_id(publish(forestry, title="先敏感后公开", body=f"旧内容 {CANARY}",
                             sensitivity="sensitive", readers="huan.env"))
    page = f"/sharing/{number}/edit"
    assert forestry.post(page, data={
        "csrf_token": csrf_token(forestry, page), "title": "先敏感后公开",
        "category": "enforcement", "sensitivity": "open", "body": "公开摘要", "version": "1",
    }).status_code == 302
    assert people["police"].get(f"/sharing/{number}").status_code == 200
    assert people["police"].get(f"/sharing/{number}/versions").status_code == 403
    assert CANARY in forestry.get(f"/sharing/{number}/versions").get_data(as_text=True)
    # Turned classified: earlier bodies go too.
    assert forestry.post(page, data={
        "csrf_token": csrf_token(forestry, page), "title": "先敏感后公开",
        "category": "enforcement", "sensitivity": "classified", "shared_with": "police",
        "reference_no": "1号", "consult_at": "机要室", "version": "2",
    }).status_code == 302
    assert CANARY not in forestry.get(f"/sharing/{number}/versions").get_data(as_text=True)


def test_bad_input_never_gives_a_500(people):
    office = people["office"]
    for url in ("/sharing/?until=9999-12-31", "/sharing/?since=0001-01-01",
                "/sharing/export.xlsx?until=9999-12-31", "/requests/?until=9999-12-31",
                "/requests/stats?since=0001-01-01", "/sharing/99999999999999999999",
                "/requests/99999999999999999999", "/notifications/?page=99999999999999999999",
                "/sharing/?endpoint=x", "/requests/?_method=POST", "/sharing/?page=-5",
                "/reports/0000Q1/police", "/reports/?quarter=9999Q4",
                "/reports/scores?quarter=0001Q1"):
        assert office.get(url).status_code < 500, url
    for url in ("/api/v1/info-items?until=9999-12-31", "/api/v1/info-requests?since=0001-01-01",
                "/api/v1/info-items/99999999999999999999",
                "/api/v1/liaison-scores?quarter=9999Q4"):
        assert office.get(url).status_code in (404, 422), url
    headers = {"X-CSRFToken": csrf_token(office, "/sharing/new")}
    for body in ({"target": ["police"], "subject": "x", "due_at": "2030-01-01T00:00:00+08:00"},
                 {"target": "police", "subject": "x", "due_at": "9999-12-31T23:00:00-12:00"}):
        assert office.post("/api/v1/info-requests", json=body,
                           headers=headers).status_code == 422


def test_exports_never_run_formulas(people):
    publish(people["forestry"], title='=HYPERLINK("http://evil.example","x")', tags="=1+1")
    response = people["office"].get("/sharing/export.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    cells = [c for row in workbook.active.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)


def test_lists_sort_as_asked(people):
    for title in ("乙条目", "甲条目", "丙条目"):
        publish(people["forestry"], title=title)
    office = people["office"]

    def titles(sort):
        return [i["title"] for i in office.get(f"/api/v1/info-items?sort={sort}").get_json()]

    assert titles("newest") == ["丙条目", "甲条目", "乙条目"]
    assert titles("oldest") == ["乙条目", "甲条目", "丙条目"]
    assert sorted(titles("title")) == sorted(titles("newest"))
    assert office.get("/api/v1/info-items?sort=sideways").status_code == 422
    page = office.get("/sharing/?sort=oldest").get_data(as_text=True)
    assert page.index("乙条目") < page.index("丙条目")
