"""``/api/v1`` for cases and leads, hand-overs between departments and the two-way ledger.

The rules live in ``core.cases.services`` (who sees what in ``core.access``); this module
parses, calls them as the signed-in user and renders. Every service call goes through
:func:`_act`: ``PermissionError`` answers 403, ``InputError`` 422 with its ``fields``,
``StateConflict`` (or a stale version) 409; one commit on success, a rollback otherwise.
Departments appear as their codes, people as their user names. Parties' ID numbers are
shown as :func:`core.cases.services.shown_parties` gives them: masked unless the user's
department handles the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from core.access import business_only
from core.api import (
    DAY_RANGE,
    ID_RANGE,
    TOTAL_HEADER,
    ErrorSchema,
    PageArgs,
    act as _act,
    filters_of as _filters,
    found as _found,
    invalid as _invalid,
    page as _page,
)
from core.cases import services as service
from core.cases.models import (
    CASE_KINDS,
    CASE_STATES,
    FEEDBACKS,
    PARTY_KINDS,
    TRANSFER_STATES,
    Case,
    Transfer,
)
from core.db import utcnow
from core.inspections.services import get_visible_finding
from core.timeutil import local_day

blp = business_only(Blueprint("api_cases", __name__, url_prefix="/api/v1",
                              description="Cases and leads, hand-overs between departments"))


#: The computed hand-over states the ledger accepts besides the stored ones.
LEDGER_FILTER_STATES = ("", *TRANSFER_STATES, "overdue", "open")
DISPLAY_STATES = (*TRANSFER_STATES, "overdue")


# --------------------------------------------------------------------------- helpers


def _case(case_id: int) -> Case:
    """The case in the path, or 404."""
    return _found(service.get_visible_case(current_user, case_id))


def _transfer(transfer_id: int) -> Transfer:
    """The hand-over in the path, or 404."""
    return _found(service.get_visible_transfer(current_user, transfer_id))


def _check_finding(finding_id: int | None) -> None:
    """422 on ``finding_id`` unless it names a finding the user may see."""
    if finding_id is not None and get_visible_finding(current_user, finding_id) is None:
        _invalid({"finding_id": ["No finding with this id that you may see."]})


def _ledger(args: dict[str, Any]) -> Select[Any]:
    """The user's ledger rows, filtered, overdue first (the people who acted loaded at once)."""
    return service.ledger_query(current_user, service.LedgerFilters(**_filters(args))).options(
        selectinload(Transfer.acknowledged_by), selectinload(Transfer.answered_by),
        selectinload(Transfer.confirmed_by))


def _username(user: Any) -> str | None:
    """A user as the API names them."""
    return user.username if user is not None else None


def _occurred_on(case_: Case) -> str | None:
    """The site-local day the offence happened on (stored as that day's start)."""
    return local_day(case_.occurred_on).isoformat() if case_.occurred_on else None


@dataclass
class CaseDetail:
    """A case with its parties as the user may see them and its hand-overs; reads through
    to the case."""

    case: Case
    parties: list[dict[str, Any]]
    transfers: list[Transfer]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.case, name)


def _detail(case_: Case) -> CaseDetail:
    """The case with its parties (ID numbers masked unless the user's department handles
    it) and its hand-overs, oldest first."""
    return CaseDetail(case_, service.shown_parties(current_user, case_),
                      service.transfers_of(case_))


# --------------------------------------------------------------------------- schemas


class PartyInputSchema(Schema):
    kind = fields.String(load_default="person", metadata={"enum": list(PARTY_KINDS)})
    name = fields.String(required=True, validate=validate.Length(max=200))
    id_number = fields.String(load_default="", validate=validate.Length(max=40), metadata={
        "description": "身份证号 or 统一社会信用代码; only the handling departments see it"})
    note = fields.String(load_default="", validate=validate.Length(max=500))


class CaseInputSchema(Schema):
    kind = fields.String(load_default="case", metadata={
        "enum": list(CASE_KINDS), "description": "case, or lead (a clue not yet a case)"})
    title = fields.String(required=True, validate=validate.Length(max=200))
    offence_type = fields.String(required=True, validate=validate.Length(max=80), metadata={
        "description": "a code from the offence_types hook, e.g. forestry.tree_theft"})
    place_name = fields.String(load_default="", validate=validate.Length(max=200))
    lat = fields.Float(load_default=None, allow_none=True)
    lng = fields.Float(load_default=None, allow_none=True)
    occurred_on = fields.Date(load_default=None, allow_none=True, validate=DAY_RANGE,
                              metadata={"description": "the day of the offence (site time)"})
    facts = fields.String(load_default="", validate=validate.Length(max=50_000))
    parties = fields.List(fields.Nested(PartyInputSchema), load_default=list,
                          validate=validate.Length(max=50),
                          metadata={"description": "persons or companies involved"})
    finding_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE,
                                metadata={"description": "the inspection finding it came from"})


class PartySchema(Schema):
    kind = fields.String(dump_only=True, metadata={"enum": list(PARTY_KINDS)})
    name = fields.String(dump_only=True)
    id_number = fields.String(dump_only=True, metadata={
        "description": "in full for the departments handling the case (its department and "
                       "those it was handed between), else masked: 4401**********1234"})
    note = fields.String(dump_only=True)


class CaseSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": list(CASE_KINDS)})
    title = fields.String(dump_only=True)
    offence_type = fields.String(dump_only=True,
                                 metadata={"description": "an offence_types code"})
    department = fields.Function(lambda c: c.department.code, dump_only=True,
                                 metadata={"description": "the handling department's code"})
    place_name = fields.String(dump_only=True)
    lat = fields.Float(dump_only=True)
    lng = fields.Float(dump_only=True)
    occurred_on = fields.Function(_occurred_on, dump_only=True, metadata={"format": "date"})
    facts = fields.String(dump_only=True)
    state = fields.String(dump_only=True, metadata={
        "description": "open (being handled) or closed (concluded)"})
    finding_id = fields.Integer(dump_only=True, allow_none=True)
    supervised = fields.Boolean(dump_only=True,
                                metadata={"description": "under listed supervision"})
    outcome = fields.String(dump_only=True)
    closed_at = fields.DateTime(dump_only=True)
    created_by = fields.Function(lambda c: c.created_by.username, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


def _state(transfer: Transfer) -> str:
    """The hand-over's state with ``overdue`` computed now."""
    return transfer.display_state(utcnow())


def _overdue_step(transfer: Transfer) -> str | None:
    """The step that is late now, if any."""
    return transfer.overdue_step(utcnow())


STATE_DESCRIPTION = ("sent (awaiting acknowledgement), acknowledged (awaiting feedback), "
                     "answered (awaiting the sender's confirmation), confirmed (finished), or "
                     "overdue (computed: not acknowledged by ack_due_at, or no feedback by "
                     "feedback_due_at)")
STORED_STATE_DESCRIPTION = "sent, acknowledged, answered or confirmed: without the overdue " \
                           "computation"
OVERDUE_STEP_DESCRIPTION = "acknowledge or feedback: the step that is late, else null"


class TransferSummarySchema(Schema):
    id = fields.Integer(dump_only=True)
    from_department = fields.Function(lambda t: t.from_department.code, data_key="from",
                                      dump_only=True,
                                      metadata={"description": "the sending department"})
    to_department = fields.Function(lambda t: t.to_department.code, data_key="to",
                                    dump_only=True,
                                    metadata={"description": "the receiving department"})
    state = fields.Function(_state, dump_only=True, metadata={
        "enum": list(DISPLAY_STATES), "description": STATE_DESCRIPTION})
    stored_state = fields.String(attribute="state", dump_only=True, metadata={
        "enum": list(TRANSFER_STATES), "description": STORED_STATE_DESCRIPTION})
    overdue_step = fields.Function(_overdue_step, dump_only=True, allow_none=True,
                                   metadata={"description": OVERDUE_STEP_DESCRIPTION})
    sent_at = fields.DateTime(dump_only=True)
    feedback = fields.String(dump_only=True, allow_none=True,
                             metadata={"enum": list(FEEDBACKS)})
    confirmed_at = fields.DateTime(dump_only=True)


class CaseDetailSchema(CaseSchema):
    parties = fields.List(fields.Nested(PartySchema), dump_only=True)
    transfers = fields.List(fields.Nested(TransferSummarySchema), dump_only=True,
                            metadata={"description": "the case's hand-overs, oldest first"})


class CaseArgs(PageArgs):
    state = fields.String(load_default="", validate=validate.OneOf(("", *CASE_STATES)))
    kind = fields.String(load_default="", validate=validate.OneOf(("", *CASE_KINDS)))
    offence_type = fields.String(load_default="",
                                 metadata={"description": "an offence_types code"})
    department = fields.String(load_default="",
                               metadata={"description": "the handling department's code"})
    q = fields.String(load_default="", metadata={"description": "search title and place"})
    since = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "opened on or after"})
    until = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "opened on or before"})


class CaseCloseSchema(Schema):
    outcome = fields.String(required=True, validate=validate.Length(max=20_000),
                            metadata={"description": "how the case was concluded"})


class TransferInputSchema(Schema):
    to = fields.String(required=True, validate=validate.Length(max=40),
                       metadata={"description": "the receiving department's code"})
    reason = fields.String(required=True, validate=validate.Length(max=20_000))
    legal_basis = fields.String(load_default="", validate=validate.Length(max=5_000))


class TransferSchema(TransferSummarySchema):
    case_id = fields.Integer(dump_only=True)
    case_title = fields.Function(lambda t: t.case.title, dump_only=True)
    reason = fields.String(dump_only=True)
    legal_basis = fields.String(dump_only=True)
    sent_by = fields.Function(lambda t: t.sent_by.username, dump_only=True)
    ack_due_at = fields.DateTime(dump_only=True, metadata={
        "description": "acknowledge by then ([transfers] acknowledge_working_days)"})
    acknowledged_at = fields.DateTime(dump_only=True)
    acknowledged_by = fields.Function(lambda t: _username(t.acknowledged_by), dump_only=True)
    feedback_due_at = fields.DateTime(dump_only=True, metadata={
        "description": "feedback by then ([transfers] feedback_working_days)"})
    feedback_text = fields.String(dump_only=True)
    answered_at = fields.DateTime(dump_only=True)
    answered_by = fields.Function(lambda t: _username(t.answered_by), dump_only=True)
    confirmed_by = fields.Function(lambda t: _username(t.confirmed_by), dump_only=True)
    version = fields.Integer(dump_only=True)


class LedgerRowSchema(Schema):
    id = fields.Integer(dump_only=True)
    case_id = fields.Integer(dump_only=True)
    case_title = fields.Function(lambda t: t.case.title, dump_only=True,
                                 metadata={"description": "案件（线索）名称"})
    case_kind = fields.Function(lambda t: t.case.kind, dump_only=True,
                                metadata={"enum": list(CASE_KINDS)})
    offence_type = fields.Function(lambda t: t.case.offence_type, dump_only=True,
                                   metadata={"description": "违法类型: an offence_types code"})
    from_department = fields.Function(lambda t: t.from_department.code, data_key="from",
                                      dump_only=True, metadata={"description": "移送单位"})
    to_department = fields.Function(lambda t: t.to_department.code, data_key="to",
                                    dump_only=True, metadata={"description": "接收单位"})
    sent_at = fields.DateTime(dump_only=True, metadata={"description": "移送时间"})
    reason = fields.String(dump_only=True, metadata={"description": "移送理由"})
    legal_basis = fields.String(dump_only=True, metadata={"description": "法律依据"})
    ack_due_at = fields.DateTime(dump_only=True)
    acknowledged_at = fields.DateTime(dump_only=True, metadata={"description": "接收确认时间"})
    feedback_due_at = fields.DateTime(dump_only=True)
    answered_at = fields.DateTime(dump_only=True, metadata={"description": "反馈时间"})
    feedback = fields.String(dump_only=True, allow_none=True, metadata={
        "enum": list(FEEDBACKS), "description": "反馈结果"})
    feedback_text = fields.String(dump_only=True, metadata={"description": "反馈说明"})
    confirmed_at = fields.DateTime(dump_only=True, metadata={"description": "移送方确认时间"})
    state = fields.Function(_state, dump_only=True, metadata={
        "enum": list(DISPLAY_STATES), "description": "状态; " + STATE_DESCRIPTION})
    stored_state = fields.String(attribute="state", dump_only=True, metadata={
        "enum": list(TRANSFER_STATES), "description": STORED_STATE_DESCRIPTION})
    overdue_step = fields.Function(_overdue_step, dump_only=True, allow_none=True, metadata={
        "description": "是否逾期: " + OVERDUE_STEP_DESCRIPTION})


class LedgerArgs(PageArgs):
    direction = fields.String(load_default="", validate=validate.OneOf(
        ("", "sent", "received")), metadata={
        "description": "sent or received, from your department's point of view"})
    state = fields.String(load_default="", validate=validate.OneOf(LEDGER_FILTER_STATES),
                          metadata={"description": "a state, overdue, or open (not confirmed)"})
    department = fields.String(load_default="", metadata={
        "description": "the code of a department on either side"})
    feedback = fields.String(load_default="", validate=validate.OneOf(("", *FEEDBACKS)))
    since = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "sent on or after"})
    until = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "sent on or before"})


class FeedbackInputSchema(Schema):
    feedback = fields.String(required=True, metadata={
        "enum": list(FEEDBACKS), "description": "accepted_criminal: the receiver now handles "
                                                "the case; the others leave it with the sender"})
    text = fields.String(load_default="", validate=validate.Length(max=20_000), metadata={
        "description": "the explanation; required unless accepted_criminal"})


# ------------------------------------------------------------------------------ cases


@blp.route("/cases")
@blp.arguments(CaseArgs, location="query")
@blp.response(200, CaseSchema(many=True), headers=TOTAL_HEADER)
def list_cases(args: dict[str, Any]) -> Any:
    """Cases and leads you may see, newest first.

    A department sees those it handles and those handed to or from it; the office sees all.
    """
    return _page(service.case_query(current_user, service.CaseFilters(**_filters(args))),
                 args)


@blp.route("/cases", methods=["POST"])
@blp.arguments(CaseInputSchema)
@blp.response(201, CaseDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_case(data: dict[str, Any]) -> Any:
    """Open a case or a lead for your department, with its parties."""
    _check_finding(data["finding_id"])
    parties = [service.PartyInput(**p) for p in data.pop("parties")]
    return _detail(_act(service.open_case, service.CaseInput(**data, parties=parties)))


@blp.route("/cases/<int:case_id>")
@blp.response(200, CaseDetailSchema)
def get_case(case_id: int) -> Any:
    """One case with its parties and hand-overs (404 when you may not see it).

    ID numbers are masked unless your department handles the case.
    """
    return _detail(_case(case_id))


@blp.route("/cases/<int:case_id>/close", methods=["POST"])
@blp.arguments(CaseCloseSchema)
@blp.response(200, CaseDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def close_case(data: dict[str, Any], case_id: int) -> Any:
    """Conclude the case (the handling department), once every hand-over is confirmed."""
    case_ = _case(case_id)
    _act(service.close_case, case_, data["outcome"])
    return _detail(case_)


@blp.route("/cases/<int:case_id>/transfers", methods=["POST"])
@blp.arguments(TransferInputSchema)
@blp.response(201, TransferSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_transfer(data: dict[str, Any], case_id: int) -> Any:
    """Hand the case to another department (the handling department's liaison or leader).

    The receiver is told and acknowledges within the working days the settings give.
    """
    return _act(service.send_transfer, _case(case_id), service.TransferInput(**data))


# -------------------------------------------------------------------------- transfers


@blp.route("/transfers")
@blp.arguments(LedgerArgs, location="query")
@blp.response(200, TransferSchema(many=True), headers=TOTAL_HEADER)
def list_transfers(args: dict[str, Any]) -> Any:
    """Hand-overs you may see (the office: all; a department: those it sent or received),
    overdue first, then newest."""
    return _page(_ledger(args), args)


@blp.route("/transfer-ledger")
@blp.arguments(LedgerArgs, location="query")
@blp.response(200, LedgerRowSchema(many=True), headers=TOTAL_HEADER)
def transfer_ledger(args: dict[str, Any]) -> Any:
    """The two-way hand-over ledger (双向移交反馈台账): the rows of ``GET /transfers`` with
    the ledger's columns, overdue first."""
    return _page(_ledger(args), args)


@blp.route("/transfers/<int:transfer_id>")
@blp.response(200, TransferSchema)
def get_transfer(transfer_id: int) -> Any:
    """One hand-over (404 when you may not see it)."""
    return _transfer(transfer_id)


@blp.route("/transfers/<int:transfer_id>/acknowledge", methods=["POST"])
@blp.response(200, TransferSchema)
@blp.alt_response(409, schema=ErrorSchema)
def acknowledge_transfer(transfer_id: int) -> Any:
    """The receiver's liaison or leader acknowledges the hand-over: sent -> acknowledged."""
    transfer = _transfer(transfer_id)
    _act(service.acknowledge, transfer)
    return transfer


@blp.route("/transfers/<int:transfer_id>/feedback", methods=["POST"])
@blp.arguments(FeedbackInputSchema)
@blp.response(200, TransferSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def answer_transfer(data: dict[str, Any], transfer_id: int) -> Any:
    """The receiver's liaison or leader gives the feedback (acknowledging it if not yet).

    ``accepted_criminal`` makes the receiver the handling department.
    """
    transfer = _transfer(transfer_id)
    _act(service.answer, transfer, data["feedback"], data["text"])
    return transfer


@blp.route("/transfers/<int:transfer_id>/confirm", methods=["POST"])
@blp.response(200, TransferSchema)
@blp.alt_response(409, schema=ErrorSchema)
def confirm_transfer(transfer_id: int) -> Any:
    """The sender's liaison or leader confirms it has the feedback: answered -> confirmed."""
    transfer = _transfer(transfer_id)
    _act(service.confirm, transfer)
    return transfer
