"""Pasquill stability class from surface wind speed, day/night, insolation and cloud cover.

The table is ``pasquill_stability_classes.csv`` (Pasquill 1961 / Turner 1970 scheme, copied from a
web calculator). It was checked against a second source, the NOAA ARL READY page "Pasquill
Stability Classes" (https://www.ready.noaa.gov/READYpgclass.php, citing Pasquill 1961):

* **> 6 m/s, moderate daytime insolation**: the CSV's source gives **C**; NOAA READY gives **D**
  (as does the Turner table the reference remembers). hazatlas uses **D** by default
  (``variant="turner"``, confirmed by NOAA READY); ``variant="source"`` reproduces the CSV's C.
* **< 2 m/s at night**: the CSV gives the footnote class G; NOAA READY gives E (cloudy) and F
  (clear). G is not a class of the dispersion coefficient sets, so it is mapped to **F**, as the EPA
  does when it combines classes 6 and 7 (Turner's method, webmet.com "6.4.1 Turner's method").
* Transitional cells such as "A-B" are resolved to the **more stable** of the two classes by
  default (higher ground-level concentrations from a ground-level release: the cautious choice),
  or to the less stable one with ``transitional="unstable"``.
* Overcast sky (8/8 cloud), day or night, gives **D** (NOAA READY note 3).

Wind-speed rows: ``< 2``, ``2-3``, ``3-5``, ``5-6``, ``> 6`` m/s at 10 m; a speed on a boundary
takes the higher row (2.0 m/s is "2-3"), except 6.0 m/s which is still "5-6".

>>> pasquill_class(2.5, daytime=True, insolation="strong")
'B'
>>> pasquill_class(7.0, daytime=True, insolation="moderate")
'D'
>>> pasquill_class(7.0, daytime=True, insolation="moderate", variant="source")
'C'
>>> pasquill_class(1.5, daytime=False, cloud_cover_octas=2)
'F'
>>> pasquill_class(4.0, daytime=False, cloud_cover_octas=8)
'D'
"""

from __future__ import annotations

import math

from hazatlas.domain.errors import ReferenceDataError
from hazatlas.domain.reference import load_table
from hazatlas.models.base import invalid_input

CLASSES = ("A", "B", "C", "D", "E", "F")
INSOLATION_COLUMNS = {
    "strong": "day_strong_insolation",
    "moderate": "day_moderate",
    "slight": "day_slight",
}
_ROW_LOWER_M_S = (0.0, 2.0, 3.0, 5.0)  # rows "<2", "2-3", "3-5", "5-6"; above 6 m/s: ">6"


def _row_index(wind_speed_m_s: float) -> int:
    if wind_speed_m_s > 6.0:
        return 4
    index = 0
    for i, low in enumerate(_ROW_LOWER_M_S):
        if wind_speed_m_s >= low:
            index = i
    return index


def _resolve(cell: str, *, variant: str, transitional: str) -> str:
    text = cell.strip()
    if "/" in text:  # "C (source) / D (Turner 1970, ...)"
        first, second = (part.strip() for part in text.split("/", 1))
        text = first if variant == "source" else second
    text = text.split("(")[0].strip()
    if text == "G":
        return "F"
    if "-" in text:
        low, high = (part.strip() for part in text.split("-", 1))
        return high if transitional == "stable" else low
    if text not in CLASSES:
        raise ReferenceDataError(f"unexpected cell '{cell}' in pasquill_stability_classes.csv")
    return text


def pasquill_class(
    wind_speed_10m_m_s: float,
    *,
    daytime: bool,
    insolation: str | None = None,
    cloud_cover_octas: float | None = None,
    variant: str = "turner",
    transitional: str = "stable",
) -> str:
    """Pasquill stability class (A-F) from the Pasquill-Turner table.

    Parameters
    ----------
    wind_speed_10m_m_s
        Surface wind speed at 10 m, m/s.
    daytime
        True by day, False at night (1 h before sunset to 1 h after sunrise).
    insolation
        By day: "strong", "moderate" or "slight" (required unless the sky is overcast).
    cloud_cover_octas
        Cloud cover in eighths (0-8). At night: >= 4/8 is the "cloudy" column; 8/8 gives D.
    variant
        "turner" (default, > 6 m/s moderate = D) or "source" (the CSV's C).
    transitional
        "stable" (default) or "unstable": how "A-B"-type cells are resolved.

    Returns
    -------
    str
        One of "A".."F".
    """
    if not math.isfinite(wind_speed_10m_m_s) or wind_speed_10m_m_s < 0:
        raise invalid_input(
            "wind_speed_10m_m_s", f"wind speed must be a non-negative number, got {wind_speed_10m_m_s}"
        )
    if cloud_cover_octas is not None and not 0 <= cloud_cover_octas <= 8:
        raise invalid_input("cloud_cover_octas", f"cloud cover must be 0-8 octas, got {cloud_cover_octas}")
    if cloud_cover_octas is not None and cloud_cover_octas >= 8:
        return "D"
    if daytime:
        if insolation not in INSOLATION_COLUMNS:
            raise invalid_input(
                "insolation",
                f"insolation must be one of {', '.join(INSOLATION_COLUMNS)} by day, got {insolation!r}"
            )
        column = INSOLATION_COLUMNS[insolation]
    else:
        if cloud_cover_octas is None:
            raise invalid_input(
                "cloud_cover_octas", "cloud cover (octas) is needed to classify stability at night"
            )
        column = "night_cloud_ge_4_8" if cloud_cover_octas >= 4 else "night_cloud_le_3_8"
    row = load_table("pasquill_stability_classes")[_row_index(wind_speed_10m_m_s)]
    return _resolve(row[column], variant=variant, transitional=transitional)


def class_index(stability: str) -> int:
    """Index 0-5 of a class letter ("A".."F"), with a clear error otherwise.

    >>> class_index("d")
    3
    """
    letter = str(stability).strip().upper()
    if letter not in CLASSES:
        raise invalid_input("stability", f"stability class must be one of A-F, got {stability!r}")
    return CLASSES.index(letter)
