"""A plugin whose blueprint is not named after the plugin."""

from flask import Blueprint

from core.hookspecs import hookimpl

bp = Blueprint("somebody_else", __name__, url_prefix="/x")


@hookimpl
def blueprints():
    return [bp]
