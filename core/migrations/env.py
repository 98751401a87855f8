"""Alembic environment: runs on the connection :mod:`core.migrate` hands over."""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes.get("connection")
target_metadata = config.attributes.get("metadata")

if connection is None:  # pragma: no cover - always driven from core.migrate
    raise RuntimeError("run migrations with `forestchief db upgrade`")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=config.attributes.get("include_object"),
)
with context.begin_transaction():
    context.run_migrations()
