"""The column group the police fill in campaign ledgers: ``detentions`` is jiaocheng's
公安部门处理情况 (行政拘留, 刑事拘留, 逮捕; persons)."""

from __future__ import annotations

from typing import Any

COLUMN_SETS: dict[str, dict[str, Any]] = {
    "detentions": {
        "title_zh": "公安部门处理情况",
        "title_en": "Police handling",
        "columns": [
            {"key": key, "label_zh": zh, "label_en": en, "kind": "integer", "unit_zh": "人",
             "unit_en": "persons", "subgroup_zh": "", "subgroup_en": ""}
            for key, zh, en in (
                ("administrative_detentions", "行政拘留", "Administrative detentions"),
                ("criminal_detentions", "刑事拘留", "Criminal detentions"),
                ("arrests", "逮捕", "Arrests"),
            )
        ],
    },
}


def column_set(name: str) -> dict[str, Any] | None:
    return COLUMN_SETS.get(name)
