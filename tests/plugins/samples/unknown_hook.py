"""A plugin implementing a hook that does not exist."""

from core.hookspecs import hookimpl


@hookimpl
def no_such_hook():
    return 1
