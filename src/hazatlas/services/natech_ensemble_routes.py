"""Natech ensembles: the tailings dams and river routes of the sites, built once per run.

The arrays of ``models/natech/ensemble_pathways`` (docs/natech.md, section "Ensembles"):

* :func:`site_dams`: every site with a tailings dam whose stored volume and dam height the
  register gives: the released volume of the ``larrauri2018`` runout regression (as the
  screening, ``services/natech.py``) and the HAZUS coefficients of the documented
  susceptibility (``tailings_susceptibility`` of ``natech_unit_defaults.csv``);
* :func:`river_routes`: the screening's receiving reach of every site, its first leg and the
  first foreign country below it (``services/screen.screen_sites``: the same snapping,
  receiving waters and country lists as ``hazatlas screen``), then, once per downstream key
  (reach, state run, own country; shared by every site of that key), the river path from the
  reach down to that border with the network's low, mean and high hydraulics, and the
  travel-time moments at the border (``models/river/path.path_moments``, the river model's own
  code, on the path ``services/spill`` builds); per site the part of its reach above the site is
  taken off (the moments are sums over the path's elements). Every tank of a site whose
  substance the river model knows (``river_spill_substances``) with a threshold (its drinking
  water limit, else its MAC-EQS: the spill model's default) makes a route of that substance;
  the decay rate is the substance's at its reference temperature.

Not routed, and said so in the run's warnings (counted): sites without a receiving reach, sites
sending to a sea or lake, sites with no foreign country downstream, sites on a border river
(the far bank is reached at the site), paths with a lake or reservoir before the first border
(the river model evaluates those on a time grid, ``models/river/lakes``, which the ensemble
does not vectorise), and substances without a threshold or unknown to the river model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hazatlas.domain.errors import ValidationError
from hazatlas.domain.establishment import Establishment
from hazatlas.geo.network import RiverNetwork
from hazatlas.geo.paths import downstream_path
from hazatlas.models.natech.ensemble_pathways import FLOW_NODES, Dams, Routes
from hazatlas.models.natech.screening import defaults
from hazatlas.models.natech.tailings import _susceptibility
from hazatlas.models.river.path import RiverPath, path_moments
from hazatlas.models.tailings.runout import runout_model
from hazatlas.services.screen_batch import ScreeningBatch
from hazatlas.services.spill_substances import find_substance

IntArray = np.ndarray


def site_dams(sites: Sequence[Establishment], warnings: list[str]) -> Dams:
    """The tailings dams of ``sites`` (global site indices; see the module)."""
    susceptibility = defaults()["tailings_susceptibility"]
    coef = _susceptibility()[susceptibility]
    index, volume, missing = [], [], 0
    for i, e in enumerate(sites):
        t = e.tailings
        if t is None:
            continue
        if not (t.stored_volume_m3 and t.dam_height_m):
            missing += 1
            continue
        index.append(i)
        volume.append(float(runout_model("larrauri2018").released_volume_m3(
            t.stored_volume_m3)))
    if missing:
        warnings.append(f"{missing} tailings dam(s) without a stored volume or dam height: no "
                        "released volume, not in the ensemble")
    n = len(index)
    return Dams(np.asarray(index, dtype=np.int64), np.asarray(volume, dtype=float),
                np.full(n, coef["a"]), np.full(n, coef["b"]))


@dataclass
class RouteSites:
    """Per site: the first foreign country below it, the river distance to it (m) and why a
    site has no route (``None``: routed)."""

    country: list[str | None]
    distance_m: np.ndarray
    status: list[str | None]
    substances: list[list[dict[str, Any]]] = field(default_factory=list)


def _border_moments(net: RiverNetwork, reach: int, border_m: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Mean, variance and diluting discharge at ``border_m`` below the upstream end of
    ``reach``, and the moments of the reach itself, per flow node; None with a lake on the
    way."""
    path = downstream_path(net, reach)
    start = net.distance_to_outlet_m[reach] - net.distance_to_outlet_m[path]
    reaches = path[start < border_m]
    if np.isfinite(net.lake_volume_m3[reaches]).any():
        return None
    out = np.empty((5, len(FLOW_NODES)))
    for j, flow in enumerate(FLOW_NODES):
        hyd = net.hydraulics(flow)
        pm = path_moments(RiverPath(
            length_m=net.length_m[reaches], velocity_m_s=hyd.velocity_m_s[reaches],
            dispersion_m2_s=hyd.dispersion_m2_s[reaches],
            discharge_m3_s=hyd.discharge_m3_s[reaches],
            lake_volume_m3=net.lake_volume_m3[reaches]))
        d = min(border_m, pm.total_length_m)
        m, v, q = pm.at(d)
        out[:, j] = (m[0], v[0], q[0], pm.mean_s[0], pm.var_s2[0])
    return out[0], out[1], out[2], out[3], out[4]


def _key_border(batch: ScreeningBatch, i: int, k: int) -> tuple[Any, ...]:
    """(why not routed or None, first foreign country, border distance from the upstream end
    of the site's reach (m), the moments of :func:`_border_moments`) for downstream key ``k``."""
    ev, net = batch.events, batch.network
    own = str(batch.country[i])
    found = next((e for e in range(int(ev.ptr[k]), int(ev.ptr[k + 1]))
                  if str(ev.country[e]) != own), None)
    if found is None:
        return ("no foreign country downstream", None, np.nan, None)
    if bool(ev.at_site[found]):
        return (AT_SITE, str(ev.country[found]), 0.0, None)
    r = int(batch.reach_index[i])
    border_m = float(net.distance_to_outlet_m[r] - ev.distance_m[found])
    mom = _border_moments(net, r, border_m)
    return ("a lake or reservoir before the first border" if mom is None else None,
            str(ev.country[found]), border_m, mom)


AT_SITE = "border river: the far bank is reached at the site"


def first_borders(batch: ScreeningBatch) -> tuple[RouteSites, np.ndarray]:
    """Per site the first foreign country below it and the moments at that border
    (``[site, mean/variance/dilution, flow node]``, NaN where not routed)."""
    net, ev = batch.network, batch.events
    n = len(batch)
    water = batch.legs.water_body if batch.legs is not None else {}
    sites = RouteSites([None] * n, np.full(n, np.nan), ["no receiving reach"] * n,
                       [[] for _ in range(n)])
    per_key: dict[int, tuple[Any, ...]] = {}
    moments = np.full((n, 3, len(FLOW_NODES)), np.nan)
    for i in range(n):
        k = int(ev.key[i])
        if k < 0:
            continue
        if i in water:
            sites.status[i] = f"sends to {water[i]}"
            continue
        if k not in per_key:
            per_key[k] = _key_border(batch, i, k)
        why, c, border_m, mom = per_key[k]
        sites.country[i], sites.status[i] = c, why
        if why == AT_SITE:
            sites.distance_m[i] = 0.0
        if why is not None or mom is None:
            continue
        r = int(batch.reach_index[i])
        length = float(net.length_m[r])
        off = length - max(length - float(batch.offset_m[i]), 1.0)  # as services/spill
        sites.distance_m[i] = border_m - off
        if sites.distance_m[i] <= 0:
            sites.status[i], sites.distance_m[i] = AT_SITE, 0.0
            continue
        f = off / length
        moments[i] = (mom[0] - f * mom[3], mom[1] - f * mom[4], mom[2])
    return sites, moments


def _substance(name: str) -> tuple[float, float] | str:
    """(decay per s at the reference temperature, threshold kg/m³), or why not routed."""
    try:
        sub = find_substance(name)
    except ValidationError:
        return "unknown to the river model"
    thr = sub.default_threshold()
    if thr is None:
        return "no threshold in the packaged tables"
    return sub.decay_at(None)[0] / 86_400.0, thr[0] / 1000.0


def river_routes(batch: ScreeningBatch, tank_site: Sequence[int], substances: Sequence[str],
                 warnings: list[str]) -> tuple[Routes, RouteSites]:
    """The routes of every (site, substance) of the tanks (``tank_site``: global site index of
    each tank, ``substances``: its substance), from the screening ``batch`` of the sites (see
    the module). Routes are ordered by site."""
    info_sites, site_moments = first_borders(batch)
    status = info_sites.status
    known: dict[str, tuple[float, float] | str] = {}
    routes: dict[tuple[int, str], int] = {}
    tank_route = np.full(len(tank_site), -1, dtype=np.int64)
    skipped: Counter[str] = Counter()
    keys: list[tuple[int, str]] = []
    for t in sorted(range(len(tank_site)), key=lambda t: (tank_site[t], substances[t])):
        i, name = int(tank_site[t]), substances[t]
        if status[i] is not None:
            continue
        if name not in known:
            known[name] = _substance(name)
        info = known[name]
        if isinstance(info, str):
            skipped[f"{name}: {info}"] += 1
            continue
        if (i, name) not in routes:
            routes[(i, name)] = len(keys)
            keys.append((i, name))
        tank_route[t] = routes[(i, name)]
    warnings += [f"river pathway: {count} tank(s) of {what}; not routed"
                 for what, count in sorted(skipped.items())]
    warnings += [f"river pathway: {count} site(s): {what}; not routed"
                 for what, count in sorted(Counter(s for s in status if s is not None).items())]
    site = np.array([k[0] for k in keys], dtype=np.int64)
    subs = [known[k[1]] for k in keys]
    decay = np.array([s[0] for s in subs if not isinstance(s, str)], dtype=float)
    thr = np.array([s[1] for s in subs if not isinstance(s, str)], dtype=float)
    net = batch.network
    hyd = [net.hydraulics(flow).discharge_m3_s for flow in FLOW_NODES]
    reach = batch.reach_index[site]
    leg = batch.legs.time_s[1][site] if batch.legs is not None else np.zeros(site.size)
    out = Routes(
        site=site, tank_route=tank_route,
        discharge_site_m3_s=np.stack([h[reach] for h in hyd], axis=1).reshape(-1, 3),
        mean_s=site_moments[site, 0].reshape(-1, 3), var_s2=site_moments[site, 1].reshape(-1, 3),
        dilution_m3_s=site_moments[site, 2].reshape(-1, 3), leg_s=np.asarray(leg, dtype=float),
        decay_per_s=decay, threshold_kg_m3=thr)
    for (i, name), limit in zip(keys, thr.tolist(), strict=True):
        info_sites.substances[i].append({"substance": name, "threshold_mg_l": limit * 1000.0})
    return out, info_sites


def chunk_dams(dams: Dams, start: int, stop: int) -> Dams:
    """The dams of the sites ``start:stop``, their sites counted from ``start``."""
    lo, hi = np.searchsorted(dams.site, [start, stop])
    return Dams(dams.site[lo:hi] - start, dams.released_m3[lo:hi], dams.a[lo:hi], dams.b[lo:hi])


def chunk_routes(routes: Routes, start: int, stop: int, tanks: np.ndarray) -> Routes:
    """The routes of the sites ``start:stop`` and the route of each of the chunk's ``tanks``
    (indices of the run's tanks, in the chunk's order), counted from the chunk's first."""
    lo, hi = np.searchsorted(routes.site, [start, stop])
    tr = routes.tank_route[tanks]
    return Routes(
        site=routes.site[lo:hi] - start, tank_route=np.where(tr >= 0, tr - lo, -1),
        discharge_site_m3_s=routes.discharge_site_m3_s[lo:hi], mean_s=routes.mean_s[lo:hi],
        var_s2=routes.var_s2[lo:hi], dilution_m3_s=routes.dilution_m3_s[lo:hi],
        leg_s=routes.leg_s[lo:hi], decay_per_s=routes.decay_per_s[lo:hi],
        threshold_kg_m3=routes.threshold_kg_m3[lo:hi])
