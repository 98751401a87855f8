"""Migrations: the real Alembic graph builds the schema and matches the models."""

from __future__ import annotations

from core.migrate import current_heads, pending_diff, upgrade, version_locations


def test_upgrade_heads_matches_the_models(app):
    # The test database was built by `upgrade heads` (core.testing.migrated_template).
    assert pending_diff(app) == []


def test_database_is_at_every_head(app):
    assert current_heads(app) == {"0014_assessments", "forestry_0001_registers",
                                  "police_0001_registers", "environment_0001_registers",
                                  "emergency_0001_registers"}


def test_a_disabled_plugin_keeps_its_schema_and_migrations(app_factory):
    # The database ran every plugin's branch; switching forestry off must neither break
    # `db upgrade` (its revision is still found) nor make `db check` ask to drop its tables.
    app = app_factory('[plugins]\nenabled = ["police"]\n')
    locations = version_locations(app)
    assert locations[0].endswith("core/migrations/versions")
    assert any(loc.endswith("plugins/forestry/migrations/versions") for loc in locations)
    assert pending_diff(app) == []
    upgrade(app)
    assert "forestry_0001_registers" in current_heads(app)


def test_db_check_command(runner):
    result = runner(["db", "check"])
    assert result.exit_code == 0 and "match" in result.output


def test_db_upgrade_is_idempotent(runner):
    assert runner(["db", "upgrade"]).exit_code == 0
    assert runner(["db", "upgrade"]).exit_code == 0

