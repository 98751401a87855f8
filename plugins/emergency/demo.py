"""Sample records for a fresh demo installation (the ``demo_data`` hook), created through
the same services people use, so they are audited, numbered and followed up like real work:
this week's duty roster, a high fire-danger period, a patrol, and a negligent fire that was
handed to the police and whose injured person the public services office must treat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core import audit
from core.db import utcnow
from plugins.emergency import readiness, services


def create_demo_records(users: dict[str, Any]) -> None:
    """Create the samples as the emergency office's liaison (and the office for the
    roster). Caller commits."""
    liaison, office = users["emergency.liaison"], users["office"]
    today = readiness.today()
    now = utcnow()
    with audit.acting_as(office):
        for offset, officer in enumerate(("emergency.liaison", "office.staff",
                                          "emergency.liaison")):
            readiness.set_duty(office, today + timedelta(days=offset), readiness.DutyInput(
                officer=officer, leader="镇党委副书记 张明", phone="0763-6612119",
                note="24小时值班，手机保持畅通"))
    with audit.acting_as(liaison):
        readiness.add_danger_period(liaison, readiness.DangerPeriodInput(
            starts_on=today - timedelta(days=3), ends_on=today + timedelta(days=10), level=4,
            note="清明前后祭扫用火多、气温高、湿度低，严禁野外用火。"))
        readiness.record_patrol(liaison, readiness.PatrolInput(
            patrolled_on=today - timedelta(days=1), route="东坡村后山至西山林场防火通道",
            members="张伟、李强（村护林员）", hazards_found=2,
            findings="发现林下堆放杂物 2 处，已督促农户当场清理。", lat=24.7861, lng=112.3815))
        fire = services.report_fire(liaison, services.FireInput(
            place_name="西山村马鞍岭", reported_at=now - timedelta(days=2), cause="negligence",
            burned_area_ha=2.5, injuries=1, affected_forest="马尾松林",
            description="村民祭扫烧纸引燃山林，一名扑火群众烧伤。", lat=24.7952, lng=112.3977),
            now=now)
        services.log_action(liaison, fire, services.LogInput(
            acted_at=now - timedelta(days=2) + timedelta(minutes=20),
            action="镇扑火队赶赴现场，开设隔离带。", forces="镇专业扑火队、西山村护林队",
            personnel=35, resources="风力灭火机 8 台、水泵 2 台", vehicles=4,
            departments=["emergency", "police", "construction"]), now=now)
        services.extinguish(liaison, fire, now - timedelta(days=2) + timedelta(hours=3), now)
