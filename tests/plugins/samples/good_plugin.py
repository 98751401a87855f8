"""A well-formed third plugin used by the tests (stands for an installed distribution)."""

import click
from flask import Blueprint

from core.hookspecs import hookimpl

bp = Blueprint("sample", __name__, url_prefix="/sample")


@bp.route("/")
def index():
    return "sample plugin page"


@hookimpl
def blueprints():
    return [bp]


@hookimpl
def nav_items(user):
    return [{"endpoint": "sample.index", "label": "Sample", "order": 50}]


@hookimpl
def commands():
    @click.group(name="sample")
    def group():
        """Sample plugin commands."""

    @group.command()
    def hello():
        click.echo("hello from sample")

    return group
