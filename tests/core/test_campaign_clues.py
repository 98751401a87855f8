"""Clue intake: tips and leads attached to a campaign, each with its feedback (jiaocheng's
件件有落实、条条有反馈); who attaches, who feeds back, who sees what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from core.campaigns import clues, services
from core.errors import InputError
from core.testing import (
    CAMPAIGN_NOW as NOW,
    SHANGHAI,
    api_error,
    api_ok,
    campaign_of,
    make_api_caller,
    user_of,
)

LATER = datetime(2021, 5, 10, 9, 0, tzinfo=SHANGHAI)
MINING = "forestry.unlicensed_mining"


@pytest.fixture
def people(campaign_people: dict[str, int]) -> dict[str, int]:
    return campaign_people


def _department_id(code: str) -> int:
    from core.db import db
    from core.departments.models import Department

    return db.session.scalar(select(Department.id).where(Department.code == code))


@pytest.fixture
def world(app: Any, make_campaign: Any, people: dict[str, int]) -> dict[str, int]:
    """The mining campaign, a tip routed to natural resources, one in triage, a lead of
    each department and a case (not a lead)."""
    from core import audit
    from core.cases.services import CaseInput, open_case
    from core.db import db
    from core.tips.models import Tip
    from core.tips.services import new_code

    campaign_id = make_campaign(people["office"])
    with app.app_context(), audit.acting_as(name="test"):
        routed = Tip(code=new_code(), category=MINING, place_name="西社镇后沟",
                     description="夜间有人挖砂", department_id=_department_id("natural_resources"),
                     state="received", received_at=NOW)
        triage = Tip(code=new_code(), category=MINING, place_name="东坡村",
                     description="有货车运矿", state="received", received_at=NOW)
        db.session.add_all([routed, triage])
        nr_lead = open_case(user_of(people["nr"]), CaseInput("线索：后沟采砂", MINING, kind="lead"),
                            now=NOW)
        police_lead = open_case(user_of(people["police"]),
                                CaseInput("线索：运矿车辆", MINING, kind="lead"), now=NOW)
        nr_case = open_case(user_of(people["nr"]), CaseInput("某厂无证开采", MINING), now=NOW)
        db.session.commit()
        return {"campaign": campaign_id, "tip": routed.id, "triage": triage.id,
                "nr_lead": nr_lead.id, "police_lead": police_lead.id, "nr_case": nr_case.id}


def test_the_office_attaches_tips_and_leads_once(app: Any, people: dict[str, int],
                                                 world: dict[str, int]) -> None:
    from core import audit
    from core.db import db
    from core.notifications.models import Notification

    with app.app_context(), audit.acting_as(name="test"):
        campaign, office = campaign_of(world["campaign"]), user_of(people["office"])
        tip_clue = clues.attach_tip(office, campaign, world["tip"], now=LATER)
        assert (tip_clue.kind, tip_clue.department.code) == ("tip", "natural_resources")
        with pytest.raises(InputError) as twice:
            clues.attach_tip(office, campaign, world["tip"], now=LATER)
        assert "tip_id" in twice.value.fields
        with pytest.raises(InputError) as triage:  # in triage: name who feeds back
            clues.attach_tip(office, campaign, world["triage"], now=LATER)
        assert "department" in triage.value.fields
        police_id = _department_id("police")
        triaged = clues.attach_tip(office, campaign, world["triage"], police_id, now=LATER)
        assert triaged.department_id == police_id
        from core.tips.models import Tip

        # Attaching triaged it: the police, who must feed back, can now read the tip.
        assert db.session.get(Tip, world["triage"]).department_id == police_id
        with pytest.raises(InputError) as elsewhere:  # routed to NR: NR feeds back
            clues.attach_tip(office, campaign, world["tip"], police_id, now=LATER)
        assert "department" in elsewhere.value.fields
        with pytest.raises(InputError) as not_a_lead:  # a case is not a lead
            clues.attach_lead(office, campaign, world["nr_case"], now=LATER)
        assert "case_id" in not_a_lead.value.fields
        lead_clue = clues.attach_lead(office, campaign, world["nr_lead"], now=LATER)
        assert (lead_clue.kind, lead_clue.department.code) == ("lead", "natural_resources")
        with pytest.raises(InputError):
            clues.attach_lead(office, campaign, world["nr_lead"], now=LATER)
        with pytest.raises(InputError):
            clues.attach_tip(office, campaign, 999_999, now=LATER)
        with pytest.raises(InputError) as not_taking_part:
            clues.attach_tip(office, campaign, world["tip"], _department_id("finance"),
                             now=LATER)
        assert "department" in not_taking_part.value.fields
        db.session.commit()
        assert clues.counts(office, campaign) == {"total": 3, "awaiting": 3, "answered": 0}
        told = set(db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "campaign.clue")))
        # The liaisons and leaders of the two departments (not their members).
        assert told == {people["nr"], people["nr_leader"], people["police"],
                        people["police_leader"]}


def test_a_department_attaches_its_own_lead_only(app: Any, people: dict[str, int],
                                                 world: dict[str, int]) -> None:
    from core import audit

    with app.app_context(), audit.acting_as(name="test"):
        campaign = campaign_of(world["campaign"])
        police = user_of(people["police_member"])
        clue = clues.attach_lead(police, campaign, world["police_lead"], now=LATER)
        assert clue.department.code == "police"
        with pytest.raises(InputError):  # NR's lead: the police cannot even see it
            clues.attach_lead(police, campaign, world["nr_lead"], now=LATER)
        with pytest.raises(PermissionError):  # tips: the campaign office attaches them
            clues.attach_tip(police, campaign, world["tip"], now=LATER)
        # The campaign office (natural resources) attaches tips it sees.
        nr_clue = clues.attach_tip(user_of(people["nr_member"]), campaign, world["tip"],
                                   now=LATER)
        assert nr_clue.department.code == "natural_resources"
        with pytest.raises(InputError):  # the triage queue is the office's, not NR's
            clues.attach_tip(user_of(people["nr"]), campaign, world["triage"],
                             _department_id("police"), now=LATER)


def test_a_department_not_taking_part_can_neither_see_nor_attach(
        app: Any, people: dict[str, int], world: dict[str, int]) -> None:
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        campaign = campaign_of(world["campaign"])
        clues.attach_tip(user_of(people["office"]), campaign, world["tip"], now=LATER)
        db.session.commit()
        finance = user_of(people["finance"])
        assert services.get_visible_campaign(finance, campaign.id) is None
        assert db.session.scalars(clues.clue_query(finance, campaign)).all() == []
        with pytest.raises(PermissionError):
            clues.attach_tip(finance, campaign, world["tip"], now=LATER)
        with pytest.raises(PermissionError):
            clues.attach_lead(finance, campaign, world["nr_lead"], now=LATER)


def test_feedback_by_the_responsible_department(app: Any, people: dict[str, int],
                                                world: dict[str, int]) -> None:
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        campaign, office = campaign_of(world["campaign"]), user_of(people["office"])
        nr_clue = clues.attach_tip(office, campaign, world["tip"], now=LATER)
        police_clue = clues.attach_lead(office, campaign, world["police_lead"], now=LATER)
        db.session.commit()
        assert clues.feedback_state(nr_clue) == "awaiting"
        with pytest.raises(PermissionError):  # police cannot feed back on NR's clue
            clues.record_feedback(user_of(people["police"]), nr_clue, "代为反馈", now=LATER)
        with pytest.raises(PermissionError):  # nor the office: the department answers
            clues.record_feedback(office, nr_clue, "代为反馈", now=LATER)
        with pytest.raises(InputError) as empty:
            clues.record_feedback(user_of(people["nr_member"]), nr_clue, "  ", now=LATER)
        assert "text" in empty.value.fields
        clues.record_feedback(user_of(people["nr_member"]), nr_clue, "已现场核查，立案查处",
                              now=LATER)
        db.session.commit()
        assert clues.feedback_state(nr_clue) == "answered"
        assert nr_clue.feedback_by_id == people["nr_member"]
        clues.record_feedback(user_of(people["nr"]), nr_clue, "已立案，罚款二万元", now=LATER)
        db.session.commit()
        assert nr_clue.feedback == "已立案，罚款二万元" and nr_clue.feedback_by_id == people["nr"]

        everything = db.session.scalars(clues.clue_query(office, campaign)).all()
        assert {c.id for c in everything} == {nr_clue.id, police_clue.id}
        awaiting = db.session.scalars(clues.clue_query(office, campaign, "awaiting")).all()
        answered = db.session.scalars(clues.clue_query(office, campaign, "answered")).all()
        assert [c.id for c in awaiting] == [police_clue.id]
        assert [c.id for c in answered] == [nr_clue.id]
        assert clues.counts(office, campaign) == {"total": 2, "awaiting": 1, "answered": 1}
        # The police count the clues they answer, not the natural-resources office's.
        assert clues.counts(user_of(people["police"]), campaign) == {
            "total": 1, "awaiting": 1, "answered": 0}

        police_sees = db.session.scalars(clues.clue_query(user_of(people["police"]),
                                                          campaign)).all()
        assert [c.id for c in police_sees] == [police_clue.id]
        assert clues.get_clue(user_of(people["police"]), campaign, nr_clue.id) is None
        # The campaign office's department sees every clue.
        assert len(db.session.scalars(clues.clue_query(user_of(people["nr_member"]),
                                                       campaign)).all()) == 2

        services.close(office, campaign)
        db.session.flush()
        with pytest.raises(PermissionError):
            clues.record_feedback(user_of(people["police"]), police_clue, "关闭后", now=LATER)


def test_the_tips_and_leads_own_states_load_in_two_queries(
        app: Any, people: dict[str, int], world: dict[str, int], count_queries: Any) -> None:
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        campaign, office = campaign_of(world["campaign"]), user_of(people["office"])
        clues.attach_tip(office, campaign, world["tip"], now=LATER)
        clues.attach_tip(office, campaign, world["triage"], _department_id("police"),
                         now=LATER)
        clues.attach_lead(office, campaign, world["nr_lead"], now=LATER)
        clues.attach_lead(office, campaign, world["police_lead"], now=LATER)
        db.session.commit()
        listed = db.session.scalars(clues.clue_query(office, campaign)).all()
        with count_queries() as queries:
            clues.with_sources(user_of(people["office"]), listed)
        assert queries.count == 2
        sources = {(c.source.kind, c.source.id): c.source for c in listed}
        assert sources[("tip", world["tip"])].state == "received"
        assert "西社镇后沟" in sources[("tip", world["tip"])].summary
        assert "夜间有人挖砂" not in sources[("tip", world["tip"])].summary
        assert sources[("lead", world["nr_lead"])].state == "open"
        assert sources[("lead", world["nr_lead"])].summary == "线索：后沟采砂"
        # The police see the clues they answer, but not what a tip or lead they may not
        # read says.
        police_view = clues.with_sources(user_of(people["police"]), listed)
        by_clue = {(c.kind, c.tip_id or c.case_id): c.source for c in police_view}
        assert by_clue[("tip", world["tip"])] is None
        assert by_clue[("lead", world["nr_lead"])] is None
        assert by_clue[("tip", world["triage"])].kind == "tip"


# ------------------------------------------------------------------------------ HTTP


def test_clues_over_the_api(app: Any, make_user: Any, people: dict[str, int],
                            world: dict[str, int]) -> None:
    office = make_api_caller(app, make_user, "api.office", "office", "office")
    police = make_api_caller(app, make_user, "api.police", "liaison", "police")
    finance = make_api_caller(app, make_user, "api.finance", "liaison", "finance")
    path = f"/campaigns/{world['campaign']}/clues"
    tip_clue = api_ok(office.post(path, {"tip_id": world["tip"]}), 201)
    assert tip_clue["department"] == "natural_resources"
    assert tip_clue["feedback_state"] == "awaiting"
    api_error(office.post(path, {"tip_id": world["tip"]}), 422, "validation_error")
    lead_clue = api_ok(police.post(path, {"case_id": world["police_lead"]}), 201)
    assert [c["id"] for c in api_ok(police.get(path))] == [lead_clue["id"]]
    api_error(police.post(f"{path}/{tip_clue['id']}/feedback", {"text": "代为反馈"}), 404,
              "not_found")
    answered = api_ok(police.post(f"{path}/{lead_clue['id']}/feedback",
                                  {"text": "已查明车辆去向"}))
    assert answered["feedback_state"] == "answered"
    assert [c["id"] for c in api_ok(office.get(path, state="awaiting"))] == [tip_clue["id"]]
    api_error(finance.get(path), 404, "not_found")
    api_error(finance.post(path, {"tip_id": world["tip"]}), 404, "not_found")
