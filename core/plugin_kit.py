"""Building blocks department plugins share: a landing page, a widget, a CLI group.

A plugin stays a table of contents (``plugin.py`` with hookimpls); what every department
plugin needs in the same shape lives here once.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint, g, has_request_context, render_template
from sqlalchemy import select

from core.db import db
from core.departments.models import Department, DepartmentPlugin


def served_departments(plugin: str) -> list[Department]:
    """Active departments that switched ``plugin`` on, in configuration order.

    One query per request for all plugins (the dashboard asks once per plugin widget).
    """
    if has_request_context():
        cached = g.get("forestchief_served")
        if cached is None:
            cached = g.forestchief_served = _served_by_plugin()
        return cached.get(plugin, [])
    return _served_by_plugin().get(plugin, [])


def _served_by_plugin() -> dict[str, list[Department]]:
    served: dict[str, list[Department]] = {}
    for name, department in db.session.execute(
        select(DepartmentPlugin.plugin, Department)
        .join(Department, DepartmentPlugin.department_id == Department.id)
        .where(Department.active.is_(True))
        .order_by(Department.position)
    ).all():
        served.setdefault(name, []).append(department)
    return served


def plugin_vocabulary(plugin: str) -> dict[str, list[dict[str, str]]]:
    """The sharing categories and offence types ``plugin`` contributed."""
    from core.app import kernel

    k = kernel()
    return {
        "categories": [c for c in k.sharing_categories if c["plugin"] == plugin],
        "offence_types": [o for o in k.offence_types if o["plugin"] == plugin],
    }


def landing_blueprint(plugin: str, import_name: str, title: Any, duties: list[Any]) -> Blueprint:
    """The plugin's blueprint with its landing page at ``/<plugin>/``.

    ``duties`` are the plugin's duty areas (lazy strings); the page lists them with the
    departments the plugin serves and their duty text from configuration.
    """
    bp = Blueprint(plugin, import_name, url_prefix=f"/{plugin}", template_folder="templates")

    @bp.route("/")
    def index() -> Any:
        return render_template("plugin/landing.html", plugin=plugin, title=title,
                               duties=duties, departments=served_departments(plugin),
                               **plugin_vocabulary(plugin))

    return bp


def landing_widget(plugin: str, title: Any, order: int = 50) -> dict[str, Any]:
    """A dashboard widget linking to the plugin's page with the departments it serves."""
    return {"title": title, "template": "plugin/widget.html", "order": order, "width": 6,
            "data": {"plugin": plugin, "departments": served_departments(plugin),
                     **plugin_vocabulary(plugin)}}


def info_group(plugin: str) -> click.Group:
    """``forestchief <plugin> info``: the departments served and the vocabulary added."""

    @click.group(name=plugin, help=f"The {plugin} plugin.")
    def group() -> None:
        pass

    @group.command("info")
    def info() -> None:
        """Departments served, sharing categories and offence types."""
        vocabulary = plugin_vocabulary(plugin)
        click.echo("departments: " + (", ".join(d.code for d in served_departments(plugin))
                                      or "-"))
        for key in ("categories", "offence_types"):
            click.echo(f"{key}:")
            for item in vocabulary[key]:
                click.echo(f"  {item['code']:40} {item['name_zh']}")

    return group


def takes_part(inspection: Any, plugin: str) -> bool:
    """Whether a department ``plugin`` serves takes part in ``inspection`` (for
    ``inspection_checklist``): its configured plugin, or switched on by its leader."""
    return any(d.department.plugin == plugin or plugin in d.department.enabled_plugins
               for d in inspection.departments)


def report_figures(plugin: str, labels: dict[str, tuple[str, str]],
                   values: dict[str, Any]) -> list[dict[str, Any]]:
    """A plugin's figures for a duty report (``duty_report_figures`` hook): ``labels`` maps
    each figure's name to its Chinese and English labels, ``values`` its pre-filled value."""
    return [{"code": f"{plugin}.{name}", "label_zh": zh, "label_en": en,
             "value": values.get(name)} for name, (zh, en) in labels.items()]
