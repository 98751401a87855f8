"""The level of a forest fire, by the national thresholds.

《森林防火条例》(国务院令第541号, 2008) 第四十条 grades a forest fire by the burned forest
area (受害森林面积) and the casualties (伤亡人数) into four levels; "以上包括本数，以下不包括
本数" (a bound is in the level it starts):

================  ===================  ============  ===================
level             受害森林面积 (ha)      死亡 (persons)  重伤 (persons)
================  ===================  ============  ===================
一般 general        < 1                  1 – 2         1 – 9
较大 large          1 – < 100            3 – 9         10 – 49
重大 major          100 – < 1000         10 – 29       50 – 99
特别重大 esp. major  ≥ 1000               ≥ 30          ≥ 100
================  ===================  ============  ===================

A fire takes the highest level any measure reaches ("或者": one measure suffices); a fire with
no burned forest and no casualties (其他林地起火) is 一般.
"""

from __future__ import annotations

from bisect import bisect_right

#: From least to most serious.
LEVELS = ("general", "large", "major", "especially_major")
#: The regulation's names, used in registers and exports whatever the UI language.
LEVEL_ZH = {"general": "一般森林火灾", "large": "较大森林火灾", "major": "重大森林火灾",
            "especially_major": "特别重大森林火灾"}

#: Per measure, the lower bounds of 较大, 重大 and 特别重大 (article 40).
THRESHOLDS: dict[str, tuple[float, float, float]] = {
    "burned_area_ha": (1, 100, 1000),
    "deaths": (3, 10, 30),
    "injuries": (10, 50, 100),
}


def fire_level(burned_area_ha: float, deaths: int, injuries: int) -> str:
    """The level of a fire with these figures: the highest any measure reaches."""
    figures = {"burned_area_ha": burned_area_ha, "deaths": deaths, "injuries": injuries}
    return LEVELS[max(bisect_right(bounds, figures[measure])
                      for measure, bounds in THRESHOLDS.items())]
