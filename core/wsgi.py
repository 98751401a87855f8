"""WSGI entry point: ``gunicorn core.wsgi:app`` (settings from ``$FORESTCHIEF_SETTINGS``).

Each gunicorn worker builds its own app after the fork, with no context inherited from
the command line.
"""

from core.app import create_app

app = create_app()
