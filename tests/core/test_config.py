"""Settings: defaults, environment overrides, errors naming file and key, redaction."""

from __future__ import annotations

import pytest

from core.config import DEFAULT_SETTINGS_FILE, ConfigError, load_settings


def test_shipped_settings_load_with_defaults(tmp_path):
    settings = load_settings(DEFAULT_SETTINGS_FILE, env={"FORESTCHIEF_INSTANCE": str(tmp_path)})
    assert settings["app"]["default_locale"] == "zh_CN"
    assert settings["app"]["timezone"] == "Asia/Shanghai"
    assert settings["security"]["lockout_threshold"] == 5
    assert settings["security"]["idle_timeout_minutes"] == 30
    assert settings["uploads"]["max_size_mb"] == 20
    assert settings.instance_path == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path / 'forestchief.db'}"


def test_environment_overrides(tmp_path):
    settings = load_settings(DEFAULT_SETTINGS_FILE, env={
        "DATABASE_URL": "postgresql+psycopg://u:secret@db/forest",
        "FORESTCHIEF_PLUGINS": "police, forestry",
        "FORESTCHIEF_INSTANCE": str(tmp_path),
    })
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings["plugins"]["allow"] == ["police", "forestry"]
    shown = settings.redacted()
    assert "secret" not in shown["database"]["url"]
    assert settings.overrides["database.url"] == "DATABASE_URL"


def test_settings_file_from_environment(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[ui]\nper_page = 50\n', encoding="utf-8")
    settings = load_settings(env={"FORESTCHIEF_SETTINGS": str(path)})
    assert settings.source == path.resolve()
    assert settings["ui"]["per_page"] == 50


@pytest.mark.parametrize(("content", "key"), [
    ('[security]\nlockout_threshold = "five"\n', "security.lockout_threshold"),
    ('[app]\ndefault_locale = "fr"\n', "app.default_locale"),
    ('[uploads]\nmax_size_mb = 0\n', "uploads.max_size_mb"),
    ('[nonsense]\nx = 1\n', "nonsense"),
    ('[app\n', "(file)"),
    ('[app]\ntimezone = "Asia/Shangai"\n', "app.timezone"),
    ('[security]\nlogin_rate_limit = "lots"\n', "security.login_rate_limit"),
])
def test_bad_settings_name_file_and_key(tmp_path, content, key):
    path = tmp_path / "settings.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert str(path) in str(info.value)
    assert f"{path}: {key}:" in str(info.value)


def test_missing_settings_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_cli_reports_config_errors_cleanly(tmp_path):
    from click.testing import CliRunner

    from core.cli import cli

    path = tmp_path / "settings.toml"
    path.write_text('[security]\nlockout_minutes = -1\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "plugins", "list"])
    assert result.exit_code == 1
    assert f"{path}: security.lockout_minutes:" in result.output


def test_secret_key_generated_once_with_private_mode(tmp_path):
    from core.config import ensure_secret_key

    settings = load_settings(DEFAULT_SETTINGS_FILE, env={"FORESTCHIEF_INSTANCE": str(tmp_path)})
    key = ensure_secret_key(settings)
    assert len(key) == 64 and ensure_secret_key(settings) == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_settings_page_hides_secrets(app_factory):
    from core.testing import login

    app = app_factory('[mail]\nsmtp_password = "hunter2-secret"\n')
    from core.accounts.services import create_user
    from core.db import db
    from core.testing import DEFAULT_PASSWORD

    with app.app_context():
        create_user("root", DEFAULT_PASSWORD, "office", "admin")
        db.session.commit()
    client = app.test_client()
    login(client, "root")
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "hunter2-secret" not in page and "test-secret" not in page
    assert "********" in page
    assert "lockout_threshold" in page


def test_plugin_secrets_are_redacted_by_name(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[plugin.forestry]\napi_token = "SUPER-SECRET-123"\nregion = "north"\n'
                    '[mail]\nsmtp_password = "pw"\n', encoding="utf-8")
    shown = load_settings(path, env={}).redacted()
    assert shown["plugin"]["forestry"] == {"api_token": "********", "region": "north"}
    assert shown["mail"]["smtp_password"] == "********"
    assert "SUPER-SECRET" not in str(shown)
