"""Sample registers for a fresh demo installation (``demo_data`` hook), created through the
services as the environment office's liaison, so they are audited like real work."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core import audit
from core.db import utcnow
from core.timeutil import local_day
from plugins.environment import services


def create_samples(users: dict[str, Any]) -> None:
    """Two EIA applications awaiting the leader, a problem found on patrol and a quarry
    restoration under way (the core's demo inspection already opened a problem from its
    finding). Caller commits."""
    liaison = users["env.liaison"]
    today = local_day(utcnow())
    with audit.acting_as(liaison):
        services.register_eia(liaison, services.EiaInput(
            project="东坡村石场扩建项目", developer="东坡石材有限公司", kind="mining",
            place_name="东坡村北侧山地", area_mu=35.6, submitted_on=today - timedelta(days=10),
            lat=24.7902, lng=112.3861, note="涉及占用林地约 8 亩，需同步办理使用林地手续。"))
        services.register_eia(liaison, services.EiaInput(
            project="西山村森林康养步道建设项目", developer="西山村股份经济合作社",
            kind="forest_area", place_name="西山村集体林区", area_mu=12.0,
            submitted_on=today - timedelta(days=3)))
        services.open_problem(liaison, services.ProblemInput(
            description="西山村林缘空地堆放建筑垃圾约 20 立方米", place_name="西山村林缘空地",
            lat=24.7968, lng=112.3925, due_on=today + timedelta(days=20)))
        quarry = services.register_restoration(liaison, services.RestorationInput(
            name="东坡村废弃采石场生态修复工程", place_name="东坡村废弃采石场",
            measures="削坡减荷、覆土复绿，补植枫香、木荷等乡土树种约 3000 株。",
            budget_yuan=860_000, start_on=today - timedelta(days=30),
            planned_end_on=today + timedelta(days=90)))
        services.report_progress(liaison, quarry, services.ProgressInput(
            percent=40, text="削坡和覆土已完成，正在补植苗木。"))
