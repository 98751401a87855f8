"""The column groups the natural-resources and forestry office fills in campaign ledgers.

``mining`` is exactly jiaocheng's 自然资源部门处理情况 (吕梁市严厉打击非法采矿占地专项行动台账):
land (占地方面) and mining (采矿方面); ``wildlife`` is the forestry side of yangshan's
results table (打击非法加工销售象牙及制品专项活动战果表).
"""

from __future__ import annotations

from typing import Any


def _column(key: str, label_zh: str, label_en: str, kind: str, unit_zh: str = "",
            unit_en: str = "", subgroup: tuple[str, str] = ("", "")) -> dict[str, str]:
    return {"key": key, "label_zh": label_zh, "label_en": label_en, "kind": kind,
            "unit_zh": unit_zh, "unit_en": unit_en, "subgroup_zh": subgroup[0],
            "subgroup_en": subgroup[1]}


LAND = ("占地方面", "Land")
MINING = ("采矿方面", "Mining")

COLUMN_SETS: dict[str, dict[str, Any]] = {
    "mining": {
        "title_zh": "自然资源部门处理情况",
        "title_en": "Natural resources handling",
        "columns": [
            _column("land_area", "非法占地面积", "Land illegally occupied", "number",
                    "亩", "mu", LAND),
            _column("land_fine", "罚款金额", "Fine", "number", "元", "yuan", LAND),
            _column("land_restored", "是否恢复原状", "Restored", "boolean", "", "", LAND),
            _column("mined_quantity", "非法开采数量", "Quantity illegally mined", "number",
                    "吨", "tonne", MINING),
            _column("products_confiscated", "没收非法矿产品", "Illegal products confiscated",
                    "number", "吨", "tonne", MINING),
            _column("mining_fine", "罚款金额", "Fine", "number", "元", "yuan", MINING),
            _column("mining_banned", "非法采矿是否取缔", "Illegal mining banned", "boolean",
                    "", "", MINING),
        ],
    },
    "wildlife": {
        "title_zh": "林业部门处理情况",
        "title_en": "Forestry handling",
        "columns": [
            _column("places_checked", "检查场所", "Places checked", "integer", "个", ""),
            _column("animals_seized", "收缴野生动物", "Wild animals seized", "integer",
                    "只", "head"),
            _column("products_seized", "收缴野生动植物制品", "Wildlife products seized",
                    "number", "千克", "kg"),
            _column("ivory_items", "收缴象牙制品", "Ivory items seized", "integer", "件", ""),
            _column("fine", "罚款金额", "Fine", "number", "元", "yuan"),
        ],
    },
}


def column_set(name: str) -> dict[str, Any] | None:
    return COLUMN_SETS.get(name)
