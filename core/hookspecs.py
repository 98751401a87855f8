"""The plugin contract: every hook forestchief calls, each with its docstring contract.

Plugins implement hooks with ``@hookimpl`` (``from core.hookspecs import hookimpl``).
Rules that hold for every hook:

* The core calls hooks with keyword arguments only; an implementation may accept any subset
  of the arguments listed in the spec (pluggy passes just those).
* Hooks return data; the core does the registering (blueprints, menu entries, commands).
* A plugin owns one name: its blueprints, URL prefix, template folder, table prefix,
  ``[plugin.<name>]`` settings table and CLI group are all named after the plugin.
* Collecting hooks return one answer per plugin; the docstring says how they combine.
  ``None`` answers are dropped by pluggy.

Hooks are grouped by life cycle: start-up, requests and pages, domain vocabulary, access,
and background work.
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "forestchief"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ------------------------------------------------------------------------------ start-up


@hookspec(historic=True)
def configure(app: Any, settings: Any) -> None:
    """Called once per application, after the database and extensions are set up.

    ``settings`` is the validated :class:`core.config.Settings`; a plugin's own table is
    ``settings.plugin_settings("<name>")``. Use it to validate the plugin's settings (raise
    :class:`core.config.ConfigError` naming the key, which stops start-up) and to keep
    per-app state in ``app.extensions["<name>"]``. Historic: a plugin registered later still
    gets the call. Return value ignored.
    """


@hookspec
def plugin_title() -> Any:
    """Return the plugin's display name (a lazy-translated string), e.g. ``_l("Forestry")``.

    Shown wherever the plugin is named to people: menus of department settings, badges,
    the admin plugin list. One answer per plugin; a plugin without one is shown by its name.
    """


@hookspec
def blueprints() -> list[Any]:
    """Return the Flask blueprints this plugin serves.

    Each blueprint must be named after the plugin (``forestry``) or start with
    ``<plugin>.``/``<plugin>_``; the core registers them and serves them only to users whose
    department has the plugin switched on (and the office). Answers combine: all blueprints
    of all enabled plugins are registered. Return a list (possibly empty).
    """


@hookspec
def nav_items(user: Any) -> list[dict[str, Any]]:
    """Return the navigation entries this plugin offers ``user``.

    Each entry is a dict: ``endpoint`` (Flask endpoint name), ``label`` (a lazy-translated
    string), optional ``icon`` (a Bootstrap icon name without prefix), ``order`` (int,
    default 100), ``section`` (``"main"`` or ``"admin"``) and ``group`` (``{"code", "label",
    "icon"}``: entries of one group share a drop-down when there are several). The core
    drops entries of plugins that do not serve the user's department and sorts the rest by
    ``order``; department plugins' ungrouped entries share one "Department work" drop-down
    when the user sees more than one. Answers combine by concatenation.
    """


@hookspec
def dashboard_widgets(user: Any) -> list[dict[str, Any]]:
    """Return widgets for ``user``'s dashboard.

    Each widget is a dict: ``title``, ``template`` (a template path the plugin provides),
    optional ``data`` (a dict passed to the template as ``data``), ``order`` (int) and
    ``width`` (Bootstrap columns out of 12, default 6). Widgets of plugins that do not serve
    the user's department are dropped by the core. Answers combine by concatenation.
    """


# ------------------------------------------------------------------- domain vocabulary


@hookspec
def sharing_categories() -> list[dict[str, str]]:
    """Return the information-sharing categories this plugin adds.

    Each category is ``{"code": "forestry.logging_permit", "name_zh": ..., "name_en": ...}``;
    codes are prefixed with the plugin's name (core categories have no prefix). Answers
    combine by concatenation; a duplicate code stops start-up.
    """


@hookspec
def offence_types() -> list[dict[str, str]]:
    """Return the offence (case) types this plugin handles.

    Each type is ``{"code": "forestry.tree_theft", "name_zh": ..., "name_en": ...,
    "group": "forest" | "mining" | "wildlife" | "fire" | "other"}``. Answers combine by
    concatenation; a duplicate code stops start-up.
    """


@hookspec
def quarterly_report_sections(department: Any, quarter: Any) -> list[dict[str, Any]]:
    """Return the sections this plugin adds to ``department``'s quarterly liaison report.

    Called for every department, whether or not the plugin serves it: return ``[]`` for
    departments that are not yours (usually: ``plugin not in department.enabled_plugins``).
    ``quarter`` is a :class:`core.sharing.reports.Quarter` (``.label`` like ``"2026Q4"``,
    ``.start``/``.end`` aware datetimes). Each section is ``{"code": "<plugin>.<name>",
    "title": lazy string, "fields": [{"name", "label", "type": "int"|"float"|"text"}],
    "values": {name: pre-filled value or None}}``; people can correct the pre-filled values.
    Answers combine by concatenation: the core's own section first, then the plugins'.
    """


@hookspec
def duty_report_figures(department: Any, since: Any, until: Any) -> list[dict[str, Any]]:
    """Return the figures this plugin pre-fills in ``department``'s duty report for a joint
    meeting (lianzhou art. 9), over the period from ``since`` to ``until`` (aware datetimes:
    the body's previous meeting, the meeting's start).

    Called for every department invited to a meeting, whether or not the plugin serves it:
    return ``[]`` for departments that are not yours (usually ``plugin not in
    department.enabled_plugins``). Each figure is ``{"code": "<plugin>.<name>", "label_zh":
    ..., "label_en": ..., "value": int | float | None}``; the department can correct the
    values, and the labels are stored with the filed report (like checklist items). Answers
    combine by concatenation: the core's own figures first, then the plugins'.
    """


@hookspec(firstresult=True)
def ledger_columns(campaign: Any, department: Any, columns: str) -> dict[str, Any] | None:
    """Return ``department``'s column group for ``campaign``'s ledger (台账), or ``None``.

    Called while a campaign is created from a template (``config/campaigns/*.toml``), once per
    ``[[ledger.group]]`` entry; ``campaign`` is the :class:`core.campaigns.config.Template`
    (``.code``, ``.data``); ``department`` is the :class:`Department` the entry names and
    ``columns`` the name of the column set it asks for (``"mining"``, ``"detentions"``...).
    Answer only for departments you serve and column sets you know; otherwise return ``None``.
    The group is ``{"title_zh", "title_en", "columns": [{"key", "label_zh", "label_en",
    "kind": "number"|"integer"|"boolean"|"text", "unit_zh", "unit_en", "subgroup_zh",
    "subgroup_en"}]}``: columns in the document's order; ``subgroup_*`` (optional, "" for
    none) is the second header row (占地方面 / 采矿方面); ``unit_*`` is shown in the form
    and the units line. The first answer wins; an entry no plugin answers stops the creation,
    naming the template file and key. (A template may instead list a config-only
    department's columns inline; the core then answers without calling the hook.) The layout
    is fixed on the campaign, so a later change of the plugin never alters a ledger already
    kept; the core stores the cells and enforces that only ``department`` edits its group.
    """


# ------------------------------------------------------------------------- inspections


@hookspec
def inspection_checklist(inspection: Any) -> list[dict[str, Any]]:
    """Return the checklist items this plugin adds to a joint inspection.

    Called when the office plans (or re-plans) ``inspection``, a
    :class:`core.inspections.models.Inspection` whose ``departments`` are set. Return
    ``[]`` unless a department the plugin serves takes part (see
    :func:`core.plugin_kit.takes_part`). Each item is ``{"code": "<plugin>.<name>",
    "label_zh": ..., "label_en": ...}``, a yes/no/not-applicable question answered at each
    on-site record. Answers combine by concatenation in plugin order; the list is fixed on
    the inspection when it is planned, so later plugin changes do not alter its records.
    """


@hookspec
def finding_assigned(finding: Any) -> None:
    """React to an inspection finding assigned to a responsible unit; return nothing.

    ``finding`` is a :class:`core.inspections.models.Finding` (``unit`` is the responsible
    village, township government or department, ``category`` a sharing category code,
    ``copies`` the copied departments). Called inside the request's transaction after the
    finding is stored and the unit notified, for every plugin: act only on findings that
    concern your department (e.g. the environment plugin opens an ecological problem).
    Whatever you add is committed with the finding; raising refuses the assignment.
    Return values are ignored.
    """


@hookspec
def finding_verified(finding: Any) -> None:
    """React to an inspection finding whose rectification the office verified; return nothing.

    ``finding`` is a :class:`core.inspections.models.Finding` now ``closed`` (``closed_at``
    and ``verified_by_id`` set). Called for every plugin inside the office's transaction
    after the unit is notified: act only on findings you track (e.g. the environment plugin
    closes the ecological problem it opened for the finding). Raising refuses the
    verification. Return values are ignored.
    """


@hookspec
def case_links(case: Any, user: Any) -> list[dict[str, Any]]:
    """Return links to what this plugin keeps about a core case, for its page.

    ``case`` is a :class:`core.cases.models.Case` ``user`` may see. Each link is
    ``{"label": lazy string, "endpoint": "<plugin>.<view>", "values": {...}}``; return ``[]``
    for cases that are not yours (e.g. another offence group). The core shows the links of
    plugins that serve ``user``'s department (``access.plugin_serves``) and drops the others;
    the linked view still checks access itself. Answers combine by concatenation.
    """


@hookspec
def notification_kinds() -> dict[str, Any]:
    """Return labels for the notification kinds this plugin stores.

    ``{"<plugin>.<kind>": lazy string}``, e.g. ``{"forestry.case_returned": _l("Case back
    from the police")}``; the inbox and e-mails show the label instead of a generic
    "Notification". Called once at start-up; answers combine into one mapping and a kind
    defined twice stops start-up.
    """


# -------------------------------------------------------------------------- hand-overs


@hookspec
def transfer_received(transfer: Any) -> None:
    """React to a case or lead handed to a department; return nothing.

    ``transfer`` is a :class:`core.cases.models.Transfer` just sent (``case``,
    ``from_department``, ``to_department``, ``reason``, ``legal_basis``, ``ack_due_at``).
    Called for every plugin inside the sender's transaction after the receiver is notified:
    act only when ``transfer.to_department`` is yours (e.g. the police plugin opens its
    criminal-case register entry). Raising refuses the hand-over. Return values are ignored.
    """


@hookspec
def transfer_answered(transfer: Any) -> None:
    """React to the receiver's feedback on a hand-over; return nothing.

    ``transfer.feedback`` is ``accepted_criminal`` (the case now belongs to the receiver),
    ``not_crime``, ``returned`` or ``more_evidence``, with ``feedback_text``. Called for
    every plugin inside the receiver's transaction: act only on hand-overs from or to your
    department (e.g. the forestry plugin reopens its administrative handling of a lead the
    police returned). Return values are ignored.
    """


# ------------------------------------------------------------------------------- tips


@hookspec(firstresult=True)
def route_tip(tip: Any) -> str | None:
    """Return the code of the department that should handle a public tip, or ``None``.

    ``tip`` is a :class:`core.tips.models.Tip` just received (``category`` — an offence type
    code or ``"other"`` —, ``place_name``, ``lat``/``lng``, ``description``); its contact is
    not passed on. Stops at the first non-None result (plugins are asked in registration
    order, the bundled department plugins before installed ones); when every plugin returns
    ``None`` the tip waits in the office's triage queue. Answer only for the categories your
    department handles; an unknown or inactive department code sends the tip to triage.
    """


# ------------------------------------------------------------------------------ access


@hookspec
def permissions() -> list[dict[str, str]]:
    """Return the actions this plugin defines, for the permission registry.

    Each is ``{"action": "<plugin>.<object>.<verb>", "description": ...}``. Answers combine
    by concatenation; a duplicate action stops start-up.
    """


@hookspec
def permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    """Decide whether ``user`` may perform ``action`` on ``obj`` (``obj`` may be ``None``).

    Return ``True`` to allow, ``False`` to deny, ``None`` to abstain. Answers combine as a
    veto: any ``False`` denies; otherwise at least one ``True`` is needed. The core's
    built-in plugin answers for core actions.
    """


# ------------------------------------------------------------------- background work


@hookspec
def demo_data(users: dict[str, Any]) -> None:
    """Create this plugin's sample records for a fresh demo installation; return nothing.

    Called once by ``forestchief demo`` (and ``make run``) on an empty database, after the
    core's demo accounts and sample work exist. ``users`` maps the demo usernames
    (``office``, ``nr.liaison``, ``police.leader``, ``env.liaison``, ``emergency.liaison``,
    ...) to their :class:`core.accounts.models.User`. Create records through your services
    (inside ``audit.acting_as(user)``) so they are audited like real work; the caller
    commits. Return value ignored.
    """


@hookspec
def commands() -> Any:
    """Return a :class:`click.Group` named after the plugin, or ``None``.

    The core adds it to the ``forestchief`` command (``forestchief forestry ...``) and runs
    its commands inside an application context. Answers combine: one group per plugin.
    """


@hookspec
def scheduled_jobs() -> list[dict[str, Any]]:
    """Return periodic work for ``forestchief jobs run`` (meant to be run from cron).

    Each job is ``{"name": "<plugin>.<job>", "func": callable(now) -> int}``; ``func``
    receives the current aware UTC time, must be idempotent (running it twice sends nothing
    twice) and returns how many things it did. Answers combine by concatenation; jobs run in
    order of name, each in its own transaction.
    """
