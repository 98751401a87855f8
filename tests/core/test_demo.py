"""`forestchief demo`: accounts with one-time passwords (mode 600) and sample work."""

from __future__ import annotations

import stat

from core.testing import login


def test_demo_creates_accounts_and_sample_work(app, runner, tmp_path):
    path = tmp_path / "demo-credentials.txt"
    result = runner(["demo", "--credentials", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [line.split() for line in path.read_text().splitlines()
             if line and not line.startswith("#")]
    passwords = {fields[0]: fields[1] for fields in lines}
    assert {"admin", "auditor", "office", "nr.liaison", "police.liaison"} <= set(passwords)
    for password in passwords.values():
        assert password in result.output  # printed once

    client = app.test_client()
    assert login(client, "police.liaison", passwords["police.liaison"]).status_code == 302
    assert "请报送本月涉林案件办理情况" in client.get("/requests/?queue=to_answer").get_data(
        as_text=True)
    assert "林木采伐许可发放情况" in client.get("/sharing/").get_data(as_text=True)

    again = runner(["demo", "--if-empty", "--credentials", str(path)])
    assert again.exit_code == 0 and "not created" in again.output
    assert runner(["demo", "--credentials", str(path)]).exit_code != 0
