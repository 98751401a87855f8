"""The API shell: flask-smorest with one error shape, pagination and auth schemes.

Every error under ``/api/`` answers ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

from flask import Flask
from flask_smorest import Api, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import Select

from core.db import db
from core.timeutil import EARLIEST, LATEST


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"description": "machine-readable code"})
    message = fields.String(required=True, metadata={"description": "human-readable text"})
    fields_ = fields.Dict(data_key="fields",
                          metadata={"description": "field name -> list of problems"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBody, required=True)


class ForestchiefApi(Api):
    """flask-smorest's Api with the project's error shape."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: Any) -> Any:
        from core.app import http_error_response

        return http_error_response(error)


def make_api(app: Flask) -> ForestchiefApi:
    """One Api per app (no global), with the security schemes documented."""
    api = ForestchiefApi(app, spec_kwargs={
        "info": {"description": "forestchief: township forest-chief office collaboration. "
                                "Authenticate with the browser session or "
                                "`Authorization: Bearer <token>` (`forestchief tokens create`)."},
    })
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme(
        "sessionCookie", {"type": "apiKey", "in": "cookie", "name": "forestchief_session"})
    api.spec.options["security"] = [{"bearerAuth": []}, {"sessionCookie": []}]
    app.extensions["forestchief_api"] = api
    return api


#: Dates accepted in filters (outside: 422 rather than an overflow deep in the database).
DAY_RANGE = validate.Range(min=EARLIEST, max=LATEST)
#: Ids given in bodies and query strings: what an INTEGER column holds (else 422, not 500).
ID_RANGE = validate.Range(min=1, max=2**31 - 1)


class PageArgs(Schema):
    """``?page=&per_page=`` for every list endpoint."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


TOTAL_HEADER = {"X-Total-Count": {"description": "number of items across all pages",
                                  "schema": {"type": "integer"}}}


def paginate(stmt: Select[Any], page: int, per_page: int) -> tuple[list[Any], dict[str, str]]:
    """One page of ``stmt``'s results and the ``X-Total-Count`` header (two queries)."""
    result = db.paginate(stmt, page=page, per_page=per_page, max_per_page=100, error_out=False)
    return list(result.items), {"X-Total-Count": str(result.total or 0)}


# ------------------------------------------------------------- endpoints' shared steps

T = TypeVar("T")

CONFLICT_MESSAGE = ("Someone else acted on this first, or it changed since your version; "
                    "nothing was overwritten. Fetch it again.")
#: Query arguments that page a list rather than filter it.
PAGING = ("page", "per_page")


def invalid(problems: dict[str, list[str]]) -> NoReturn:
    """422 in the API's error shape with ``problems`` as ``error.fields``."""
    abort(422, messages={"json": problems})


def act(action: Callable[..., T], *args: Any) -> T:
    """Call the service ``action(current_user, *args)`` for this request and commit once.

    Its refusals become the API's answers after a rollback: ``PermissionError`` 403,
    ``InputError`` 422 with its fields, ``StateConflict``, a stale version or a unique
    constraint lost to a concurrent request 409.
    """
    from flask_login import current_user
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    from core.errors import InputError, StateConflict

    try:
        result = action(current_user, *args)
        db.session.commit()
    except PermissionError:
        db.session.rollback()
        abort(403)
    except InputError as exc:
        db.session.rollback()
        invalid(exc.fields)
    except (StateConflict, StaleDataError, IntegrityError):
        db.session.rollback()
        abort(409, message=CONFLICT_MESSAGE)
    return result


def found(obj: T | None) -> T:
    """``obj``, or 404 (not there, or not visible to the user: the same answer)."""
    if obj is None:
        abort(404)
    return obj


def filters_of(args: dict[str, Any]) -> dict[str, Any]:
    """The query arguments without the paging ones."""
    return {k: v for k, v in args.items() if k not in PAGING}


def page(stmt: Select[Any], args: dict[str, Any],
         wrap: Callable[[list[Any]], list[Any]] = list) -> tuple[list[Any], int, dict[str, str]]:
    """One page of ``stmt`` (rows passed through ``wrap``) with ``X-Total-Count``."""
    items, headers = paginate(stmt, args["page"], args["per_page"])
    return wrap(items), 200, headers


def page_of(items: Sequence[T], args: dict[str, Any]) -> tuple[list[T], int, dict[str, str]]:
    """One page of a short list already in memory, with ``X-Total-Count``."""
    start = (args["page"] - 1) * args["per_page"]
    return list(items[start:start + args["per_page"]]), 200, {"X-Total-Count": str(len(items))}
