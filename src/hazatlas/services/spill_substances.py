"""Substances for the river spill model: decay rate and water-quality limits.

Decay rates come from ``river_spill_substances.csv`` (with their sources); limits are read from
the packaged EU tables: the drinking-water parametric values of Directive (EU) 2020/2184
(``eu_dwd_2020_2184_parametric_values.csv``), the maximum allowable concentrations (MAC-EQS,
inland waters) of Directive 2013/39/EU (``eu_eqs_2013_39_priority_substances.csv``) and, for
cyanide, the German OGewV annual-mean value (``de_ogewv_national_water_standards_selected.csv``).
A substance found only in the EU tables gets decay 0 (conservative) and a note saying so.

>>> s = find_substance("cyanide")
>>> s.cas, s.drinking_water_mg_l, round(s.decay_per_day, 3)
('57-12-5', 0.05, 0.173)
>>> find_substance("7440-43-9").name
'Cadmium'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.reference import load_table

_NUM = re.compile(r"\d+(?:\.\d+)?")
_TO_MG_L = {"ug/l": 1e-3, "mg/l": 1.0}


@dataclass(frozen=True)
class WaterSubstance:
    """A substance with its decay rate (1/day) and limits (mg/l, None if the tables have none)."""

    name: str
    cas: str
    decay_per_day: float
    decay_note: str
    drinking_water_mg_l: float | None
    drinking_water_source: str
    eqs_mac_mg_l: float | None
    eqs_source: str
    #: temperature at which ``decay_per_day`` holds (°C) and the van 't Hoff coefficient B (K)
    #: of Eq. (4) of docs/models/river.md; None where the table gives no correction
    decay_reference_temp_c: float | None = None
    decay_temp_coefficient_k: float | None = None
    decay_temp_note: str = ""

    def decay_at(self, water_temp_c: float | None) -> tuple[float, str]:
        """The decay rate (1/day) at the water temperature, with the sentence that says how.

        >>> k, basis = find_substance("cyanide").decay_at(2.0)
        >>> round(k, 4)
        0.0278
        >>> find_substance("cadmium").decay_at(2.0)[0]
        0.0
        """
        from hazatlas.models.river.decay import decay_at_temperature, theta

        k = self.decay_per_day
        ref, coef = self.decay_reference_temp_c, self.decay_temp_coefficient_k
        if k == 0.0 or ref is None or coef is None:
            return k, self.decay_note
        if water_temp_c is None:
            return k, (
                f"{self.decay_note}; at its reference temperature {ref:g} °C (no water "
                "temperature given: no temperature correction)"
            )
        k_t = decay_at_temperature(k, ref, coef, water_temp_c)
        return k_t, (
            f"{k:g}/day at {ref:g} °C corrected to {water_temp_c:g} °C by "
            f"k(T) = k_ref exp(-B (1/T - 1/T_ref)), B = {coef:g} K (theta = "
            f"{theta(coef, ref, water_temp_c):.3f}; Eq. (4) of docs/models/river.md): "
            f"{k_t:.4g}/day. Rate: {self.decay_note}. Correction: {self.decay_temp_note}"
        )

    def default_threshold(self) -> tuple[float, str] | None:
        """The drinking-water limit if there is one, else the MAC-EQS, with its basis."""
        if self.drinking_water_mg_l is not None:
            return self.drinking_water_mg_l, self.drinking_water_source
        if self.eqs_mac_mg_l is not None:
            return self.eqs_mac_mg_l, self.eqs_source
        return None


def _float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _dwd(parameter: str) -> tuple[float | None, str]:
    for row in load_table("eu_dwd_2020_2184_parametric_values"):
        if _key(row["parameter"]) == _key(parameter) and row["unit"] in _TO_MG_L:
            m = _NUM.fullmatch(row["eu_parametric_value"].strip())
            if m:
                value = float(m.group()) * _TO_MG_L[row["unit"]]
                return value, (
                    f"Directive (EU) 2020/2184 Annex I Part {row['annex_part']}, {row['parameter']} "
                    f"{row['eu_parametric_value']} {row['unit']} ({row['status']})"
                )
    return None, ""


def _eqs(
    no: str = "", cas: str = "", name: str = ""
) -> tuple[float | None, str, dict[str, str] | None]:
    for row in load_table("eu_eqs_2013_39_priority_substances"):
        hit = (no and row["no"] == no) or (cas and row["cas"] == cas)
        hit = hit or (name and _key(row["substance"]).startswith(_key(name)))
        if not hit:
            continue
        values = [float(x) for x in _NUM.findall(row["mac_eqs_inland_ug_l"])]
        if not values:
            return None, "", row
        return (
            min(values) * 1e-3,
            (
                f"Directive 2013/39/EU Annex II no. {row['no']}, MAC-EQS inland "
                f"{row['mac_eqs_inland_ug_l']} ug/l (strictest class)"
            ),
            row,
        )
    return None, "", None


def find_substance(text: str) -> WaterSubstance:
    """Look a substance up by name, alias or CAS number; ValidationError if unknown."""
    key = _key(text)
    for row in load_table("river_spill_substances"):
        names = {_key(row["name"]), row["cas"], *(_key(a) for a in row["aliases"].split(";"))}
        if key in names:
            dw, dw_src = _dwd(row["dwd_parameter"]) if row["dwd_parameter"] else (None, "")
            mac, mac_src, _ = _eqs(no=row["eqs_no"]) if row["eqs_no"] else (None, "", None)
            return WaterSubstance(
                row["name"],
                row["cas"],
                float(row["decay_per_day"]),
                f"{row['decay_status']}; {row['decay_source']}",
                dw,
                dw_src,
                mac,
                mac_src,
                _float(row.get("decay_reference_temp_c", "")),
                _float(row.get("decay_temp_coefficient_k", "")),
                f"{row.get('decay_temp_status', '')}; {row.get('decay_temp_source', '')}",
            )
    dw, dw_src = _dwd(text)
    mac, mac_src, eqs_row = _eqs(cas=text.strip(), name=text)
    if dw is None and eqs_row is None:
        known = ", ".join(r["name"] for r in load_table("river_spill_substances"))
        raise ValidationError(
            [
                Problem(
                    "parameter",
                    None,
                    "substance",
                    f"unknown substance '{text}': expected a name or CAS number of {known}, or a "
                    "parameter of the EU drinking-water or priority-substance tables",
                )
            ]
        )
    name = eqs_row["substance"] if eqs_row else text.strip()
    cas = eqs_row["cas"] if eqs_row else ""
    note = "no decay rate in river_spill_substances.csv: 0 (conservative)"
    return WaterSubstance(name, cas, 0.0, note, dw, dw_src, mac, mac_src)
