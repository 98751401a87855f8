"""The fire level follows 森林防火条例 art. 40: the highest level any measure reaches, bounds
included in the level they start."""

from __future__ import annotations

import pytest

from plugins.emergency.levels import LEVELS, THRESHOLDS, fire_level


@pytest.mark.parametrize(("area", "deaths", "injuries", "level"), [
    (0, 0, 0, "general"),            # 其他林地起火, no casualties
    (0.99, 2, 9, "general"),
    (1, 0, 0, "large"),              # 1 ha is 较大 (以上包括本数)
    (99.99, 0, 0, "large"),
    (0, 3, 0, "large"),
    (0, 0, 10, "large"),
    (100, 0, 0, "major"),
    (150, 0, 1, "major"),            # the check: 150 ha and one injured
    (0, 10, 0, "major"),
    (0, 0, 50, "major"),
    (999.99, 29, 99, "major"),
    (1000, 0, 0, "especially_major"),
    (0, 30, 0, "especially_major"),
    (0, 0, 100, "especially_major"),
    (2, 0, 60, "major"),             # the highest measure decides
])
def test_level_by_the_regulation(area, deaths, injuries, level):
    assert fire_level(area, deaths, injuries) == level


def test_one_table_of_thresholds():
    assert set(THRESHOLDS) == {"burned_area_ha", "deaths", "injuries"}
    for bounds in THRESHOLDS.values():
        assert len(bounds) == len(LEVELS) - 1 and list(bounds) == sorted(bounds)
