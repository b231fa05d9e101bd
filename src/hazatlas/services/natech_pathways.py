"""Natech pathways: the screening's releases passed to the river or the plume model, per site and
event, with the countries reached (docs/natech.md, section "Pathways").

For every screened site (:func:`hazatlas.services.natech.screen` with ``pathways=``) and every
event (hazard × return period × scenario × horizon) with a release above zero:

* **river**: each tank release of a liquid, slurry or unknown state that the river model knows
  with a limit is spilled at the site's receiving reach as screening finds it, at its point
  nearest the site, as an instantaneous pulse (the flood chain's rule,
  :mod:`hazatlas.services.natech_chain`); a tailings dam's expected release goes through the dam
  failure chain's pieces (:mod:`hazatlas.services.tailings_failure`: runout → river entry →
  constituent masses), the masses scaled by the event's expected fraction of a failure;
* **air**: each liquefied-gas release goes to the plume model
  (:func:`hazatlas.services.air.run_plume`, instantaneous release at the site);
* **countries**: per river crossing the first arrival and peak time (the chain's
  ``countries``), per plume the countries its zones reach and how far the zones go.

The river entry, the runout and one spill run per substance are computed once per site; per
event only the mass changes (:func:`hazatlas.services.spill_rescale.with_mass`, equal to a new
run); a plume is run per gas and mass (the same mass in several events is run once). A site without a river reach, or whose dam has no volume, keeps its other pathways and
says why in ``warnings``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.models.base import input_problem, raise_problems

STABILITY = ("A", "B", "C", "D", "E", "F")


@dataclass(frozen=True)
class PathwayOptions:
    """The river and air conditions of every event: the start (ISO times, and the month of the
    water-temperature climatology), the river flow (low/mean/high or m³/s at the entry; default
    ``high`` as in the flood chain), the horizon of the river runs, and the wind of a plume
    (defaults 3 m/s, class D, from the west: **example values, not a forecast**)."""

    start: datetime
    flow: str | float = "high"
    days: float = 30.0
    wind_speed_m_s: float = 3.0
    stability: str = "D"
    wind_from_deg: float = 270.0

    def check(self) -> None:
        """Every problem with the options, each naming its parameter."""
        problems = []
        f = self.flow
        if isinstance(f, str) and f not in ("low", "mean", "high"):
            problems.append(input_problem("flow", f"{f!r}: expected low, mean, high or a "
                                                  "discharge in m3/s"))
        elif not isinstance(f, str) and not (math.isfinite(f) and f > 0):
            problems.append(input_problem("flow", f"{f!r}: expected a discharge > 0 m3/s"))
        if not (math.isfinite(self.days) and 0 < self.days <= 365):
            problems.append(input_problem("days", f"{self.days!r}: expected 0 < days <= 365"))
        if not (math.isfinite(self.wind_speed_m_s) and self.wind_speed_m_s > 0):
            problems.append(input_problem("wind_speed", f"{self.wind_speed_m_s!r}: expected a "
                                                        "wind speed > 0 m/s"))
        if self.stability not in STABILITY:
            problems.append(input_problem("stability", f"{self.stability!r}: expected a "
                                                       "Pasquill class A-F"))
        if not (math.isfinite(self.wind_from_deg) and 0 <= self.wind_from_deg <= 360):
            problems.append(input_problem("wind_from", f"{self.wind_from_deg!r}: expected "
                                                       "degrees 0-360"))
        raise_problems(problems)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "start": self.start.isoformat(timespec="minutes")}


# -- pieces shared with the chains (services/natech_chain.py) -----------------------------------


def river_entry_point(network: Any, est: Establishment) -> tuple[dict[str, Any], list[str]]:
    """The receiving reach of the site as screening finds it, at its point nearest the site."""
    from hazatlas.services.river_entry import receiving_point

    entry = receiving_point(network, est)
    i, pt, notes = entry.index, entry.point, entry.notes
    return {"lon": pt.x, "lat": pt.y, "reach_id": int(network.reach_id[i]),
            "river": network.river_name(i) or None,
            "distance_km": entry.distance_km,
            "match": str(entry.batch.snap_status[0])}, notes


def known(substance: str, skipped: list[dict[str, str]], cas: str | None = None) -> str | None:
    """The river model's name of ``substance`` when it has a limit, else None (why in
    ``skipped``)."""
    from hazatlas.services.spill_substances import find_substance
    from hazatlas.services.tailings_failure import _known

    return _known(find_substance, substance, cas, skipped)


class RiverRuns:
    """Spill runs from one river entry: one :func:`~hazatlas.services.spill.run_spill` per
    substance, the other masses by :func:`~hazatlas.services.spill_rescale.with_mass`
    (``reuse=False``: a new run every time, the baseline of ``benchmarks/natech_pathways.py``)."""

    def __init__(self, entry: dict[str, Any], opts: PathwayOptions, network: Any,
                 reuse: bool = True, site: Establishment | None = None) -> None:
        self.entry, self.opts, self.network, self.reuse = entry, opts, network, reuse
        self.site = site
        self._runs: dict[str, Any] = {}

    def _release_point(self) -> dict[str, Any]:
        """Where the spill is released: at the ``site`` (tanks), snapped as screening snaps it
        (its receiving water guides the snapping) so that the spill runs the same unmapped first
        leg from the site to the river as screening and ``hazatlas spill`` at the site, every
        time counted from the event; else at the river entry (a dam's runout reaches the river:
        the chain starts there at the failure time)."""
        if self.site is None:
            return {"lon": self.entry["lon"], "lat": self.entry["lat"]}
        return {"lon": self.site.lon, "lat": self.site.lat,
                "receiving_water": self.site.receiving_water}

    def run(self, substance: str, mass_kg: float) -> Any:
        from hazatlas.services.spill import SpillRequest, run_spill
        from hazatlas.services.spill_rescale import with_mass

        ref = self._runs.get(substance) if self.reuse else None
        if ref is not None:
            return ref if ref.request.mass_kg == mass_kg else with_mass(ref, mass_kg)
        o = self.opts
        run = run_spill(SpillRequest(**self._release_point(),
                                     mass_kg=mass_kg, start=o.start, substance=substance,
                                     flow=o.flow, days=o.days), self.network)
        self._runs[substance] = run
        return run


def plume(opts: PathwayOptions, est: Establishment, substance: str, mass_kg: float,
          warnings: list[str]) -> dict[str, Any]:
    """The plume document of an instantaneous release of ``mass_kg`` of ``substance`` at the
    site, with ``mass_kg`` and ``max_distance_km`` (the farthest zone; None when a zone passes
    the model's 100 km)."""
    from hazatlas.services.air import PlumeRequest, run_plume

    res = run_plume(PlumeRequest(wind_speed_m_s=opts.wind_speed_m_s, stability=opts.stability,
                                 mass_kg=mass_kg, substance=substance, at=(est.lon, est.lat),
                                 wind_from_deg=opts.wind_from_deg))
    warnings += [f"{substance} (air): {w}" for w in res.warnings]
    dists = [z["distance_m"] for z in res.zones]
    far = None if None in dists else max((d for d in dists if d), default=0.0) / 1000.0
    return {"substance": substance, "mass_kg": mass_kg, **res.to_json(), "max_distance_km": far}


def chain_countries(river: dict[str, Any] | None, air: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The countries of the chain: per river crossing, the first arrival; per plume, the
    countries its zones reach (no time: the plume is a steady screen)."""
    out = [{"country": c["country"], "pathway": "river", "river_km_from_entry":
            c["river_km_from_entry"], "first_arrival": c["first_arrival"],
            "peak_time": c["peak_time"], "substance": c["constituent"],
            "above_threshold": bool(c["above_threshold"])}
           for c in (river or {}).get("countries", [])]
    for a in air:
        out += [{"country": iso3, "pathway": "air", "substance": a["substance"]}
                for iso3 in a["countries"]]
    return out


# -- every event of a screened site ------------------------------------------------------------


def _key(ev: dict[str, Any]) -> tuple[str, float, str, str]:
    return (ev["hazard"], ev["return_period_years"], ev["scenario"], str(ev["horizon"]))


class _Site:
    """What is computed once per site (river entry, dam source, spill runs) and the events."""

    def __init__(self, est: Establishment, opts: PathwayOptions, network: Any, reuse: bool,
                 warnings: list[str]) -> None:
        self.est, self.opts, self.network, self.reuse = est, opts, network, reuse
        self.warnings = warnings
        self.entry: dict[str, Any] | None = None
        self.dam: dict[str, Any] | None = None
        self._looked: set[str] = set()  # "river", "dam": looked for (found or not)
        self._river: RiverRuns | None = None
        self._dam: tuple[dict[str, float], RiverRuns] | None = None
        self._plumes: dict[tuple[str, float], dict[str, Any]] = {}

    def river(self) -> RiverRuns | None:
        if "river" not in self._looked:
            self._looked.add("river")
            try:
                self.entry, notes = river_entry_point(self.network(), self.est)
            except ValidationError as exc:
                self.warnings.append(f"river pathway not run: {'; '.join(map(str, exc.problems))}")
                return None
            self.warnings.extend(notes)
            self._river = RiverRuns(self.entry, self.opts, self.network(), self.reuse,
                                    site=self.est)
        return self._river

    def dam_source(self, released_m3: float) -> tuple[dict[str, float], RiverRuns] | None:
        """The dam failure chain's pieces for a failure (runout, river entry, constituent
        masses at the regression's released volume)."""
        from hazatlas.services import tailings_failure as tf

        if "dam" in self._looked:
            return self._dam
        self._looked.add("dam")
        t = self.est.tailings
        assert t is not None and t.stored_volume_m3 and t.dam_height_m
        req = tf.TailingsFailureRequest(self.est.id, self.opts.start, flow=self.opts.flow,
                                        days=self.opts.days)
        net = self.network()
        try:
            runout, notes = tf._runout(req, self.est, t.stored_volume_m3, t.dam_height_m, net)
            entry, entry_notes = tf.river_entry(net, self.est, runout.result.runout_km)
        except ValidationError as exc:
            self.warnings.append(f"dam pathway not run: {'; '.join(map(str, exc.problems))}")
            return None
        released = runout.result.released_volume_m3
        rels, skipped, rel_notes = tf._releases(req, self.est, runout,
                                                released / t.stored_volume_m3, {})
        self.warnings.extend(notes + entry_notes + rel_notes)
        if not math.isclose(released, released_m3, rel_tol=1e-9):
            self.warnings.append(f"dam pathway: the runout releases {released:.6g} m3, the "
                                 f"screening {released_m3:.6g} m3; masses scaled by the "
                                 "screening's")
        self.dam = {"entry": {k: entry[k] for k in ("lon", "lat", "reach_id", "river",
                                                    "distance_km", "runout_km",
                                                    "runout_reaches_river")},
                    "released_volume_m3": released, "not_modelled": skipped,
                    "mass_kg_per_failure": {r.constituent: r.mass_kg for r in rels}}
        self._dam = ({r.constituent: r.mass_kg for r in rels},
                     RiverRuns(entry, self.opts, net, self.reuse))
        return self._dam

    def plume(self, substance: str, mass_kg: float) -> dict[str, Any]:
        """The plume of ``mass_kg`` of ``substance`` at the site; the same release in another
        event (a tank that floats at every return period) is not run again (with ``reuse``)."""
        found = self._plumes.get((substance, mass_kg)) if self.reuse else None
        if found is None:
            a = plume(self.opts, self.est, substance, mass_kg, self.warnings)
            found = {k: a[k] for k in ("substance", "mass_kg", "zones", "countries",
                                       "max_distance_km")}
            self._plumes[(substance, mass_kg)] = found
        return copy.deepcopy(found)

    def event(self, key: tuple[str, float, str, str],
              releases: list[tuple[str, str, str, float]], dam_m3: float,
              released_m3: float | None) -> dict[str, Any]:
        from hazatlas.services.tailings_failure import combine_countries

        skipped: list[dict[str, str]] = []
        spills = []
        for unit, substance, medium, mass in releases:
            if medium != "water" or not known(substance, skipped):
                continue
            runs = self.river()
            if runs is not None:
                spills.append((unit, substance, mass, runs.run(substance, mass)))
        river = {"spills": [{"unit": u, "substance": s, "mass_kg": m,
                             "threshold_mg_l": r.threshold_mg_l} for u, s, m, r in spills],
                 "not_modelled": skipped,
                 "countries": combine_countries([(s, r) for _, s, _, r in spills])}
        air = [self.plume(s, m) for _, s, medium, m in releases if medium == "air"]
        dam = None
        if dam_m3 > 0 and released_m3:
            source = self.dam_source(released_m3)
            if source is not None:
                masses, runs = source
                fraction = dam_m3 / released_m3
                runs_ = [(c, m * fraction, runs.run(c, m * fraction))
                         for c, m in masses.items() if m * fraction > 0]
                dam = {"release_m3": dam_m3, "fraction_of_failure": fraction,
                       "mass_kg": {c: m for c, m, _ in runs_},
                       "countries": combine_countries([(c, r) for c, _, r in runs_])}
        countries = chain_countries(river, air) + [
            {**c, "from": "dam"} for c in chain_countries(dam, [])]
        return {"hazard": key[0], "return_period_years": key[1], "scenario": key[2],
                "horizon": key[3],
                "releases": [{"unit": u, "substance": s, "medium": md, "release_kg": m}
                             for u, s, md, m in releases],
                "river": river, "air": air, "dam": dam, "countries": countries,
                **_reached(countries, self.est.country_iso3, self.opts.start)}


def _reached(countries: list[dict[str, Any]], own: str, start: datetime) -> dict[str, Any]:
    """The countries reached (a river crossing with an arrival above the threshold inside the
    horizon, or a plume's zones) and the first arrival in a country other than the site's."""
    reached = sorted({c["country"] for c in countries
                      if c["pathway"] == "air" or c.get("first_arrival")})
    foreign = [c for c in countries if c["pathway"] == "river" and c.get("first_arrival")
               and c["country"] != own]
    first = min(foreign, key=lambda c: c["first_arrival"], default=None)
    hours = None
    if first is not None:
        hours = round((datetime.fromisoformat(first["first_arrival"]) - start).total_seconds()
                      / 3600.0, 2)
    return {"countries_reached": reached,
            "first_foreign_country": first["country"] if first else None,
            "first_foreign_arrival": first["first_arrival"] if first else None,
            "first_foreign_arrival_h": hours}


def site_pathways(site: dict[str, Any], est: Establishment, opts: PathwayOptions,
                  network: Any, reuse: bool = True) -> dict[str, Any]:
    """The pathways of one site of a screening document (``network``: a function giving the
    river network, called only when a river pathway is needed)."""
    warnings: list[str] = []
    tanks: dict[tuple[str, float, str, str], list[tuple[str, str, str, float]]] = {}
    for u in site["units"]:
        for ev in u["events"]:
            if ev["release_per_event"] > 0:
                tanks.setdefault(_key(ev), []).append(
                    (u["unit"]["unit_id"], u["unit"]["substance"], u.get("medium", "water"),
                     float(ev["release_per_event"])))
    dam = site.get("tailings_dam")
    released = dam["released_volume_m3"] if dam else None
    dam_m3: dict[tuple[str, float, str, str], float] = {}
    for ev in (dam["events"] if dam and released else []):
        if ev["release_per_event"] > 0:
            dam_m3[_key(ev)] = dam_m3.get(_key(ev), 0.0) + float(ev["release_per_event"])
    state = _Site(est, opts, network, reuse, warnings)
    keys = sorted(set(tanks) | set(dam_m3), key=lambda k: (k[0], k[2], k[3], k[1]))
    events = [state.event(k, tanks.get(k, []), dam_m3.get(k, 0.0), released) for k in keys]
    baseline = [e for e in events if e["scenario"] == "baseline"]
    first = min((e for e in baseline if e["first_foreign_arrival_h"] is not None),
                key=lambda e: e["first_foreign_arrival_h"], default=None)
    return {
        "river_entry": state.entry,
        "dam": state.dam,
        "events": events,
        "countries_reached": sorted({c for e in baseline for c in e["countries_reached"]}),
        "first_foreign_country": first["first_foreign_country"] if first else None,
        "first_foreign_arrival_h": first["first_foreign_arrival_h"] if first else None,
        "warnings": list(dict.fromkeys(warnings)),
    }


def add_pathways(doc: dict[str, Any], sites: list[Establishment], opts: PathwayOptions,
                 network: Any = None, reuse: bool = True) -> None:
    """Add ``pathways`` to every site of a screening document (in the order of ``sites``) and
    the options to the document; the river network is loaded once, when first needed."""
    opts.check()
    holder: list[Any] = [network]

    def get_network() -> Any:
        if holder[0] is None:
            from hazatlas.geo.network import RiverNetwork

            holder[0] = RiverNetwork.load_default()
        return holder[0]

    for site, est in zip(doc["sites"], sites, strict=True):
        site["pathways"] = site_pathways(site, est, opts, get_network, reuse)
    doc["pathways"] = opts.to_json()
