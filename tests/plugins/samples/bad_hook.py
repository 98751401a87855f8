"""A plugin whose hook implementation does not match the spec."""

from core.hookspecs import hookimpl


@hookimpl
def nav_items(user, colour):  # 'colour' is not an argument of the spec
    return []
