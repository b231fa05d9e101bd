"""River spill alarm run: source and points on the river network, the moments model, countries.

:func:`run_spill` snaps the source to the network (``hazatlas.geo``), builds the path of reaches
down to the outlet with the hydraulics of the chosen flow, runs
:class:`hazatlas.models.river.spill.RiverSpillModel` at the user's points, at each border the
river crosses (``countries_downstream``) and at the end of every reach (longitudinal profile),
and repeats the run for low, mean and high flow (the uncertainty band). The result is plain data
(:meth:`SpillRun.to_dict`) with ISO 8601 times, as the CLI and the API return it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely  # type: ignore[import-untyped]

from hazatlas.domain.errors import HazatlasError, Problem, ValidationError
from hazatlas.geo.network import RiverNetwork
from hazatlas.geo.paths import countries_downstream, downstream_path
from hazatlas.geo.snapping import Snap, snap_point
from hazatlas.geo.water_bodies import ON_RIVER_M, first_leg_velocity_m_s
from hazatlas.models.base import Validity, raise_problems
from hazatlas.models.river.path import RiverPath
from hazatlas.models.river.spill import (
    FLOWS,
    Breakthrough,
    Release,
    RiverSpillModel,
    spill_problems,
)
from hazatlas.services.spill_substances import WaterSubstance, find_substance
from hazatlas.services.spill_temperature import NO_TEMPERATURE, WaterTemperature, water_temperature

_KM_LON = 111.32  # km per degree of longitude at the equator (local projection for snapping)
_KM_LAT = 110.57


@dataclass(frozen=True)
class NamedPoint:
    """A point of interest (water intake, city, gauge) given by lon/lat."""

    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class SpillRequest:
    """Inputs of one spill run (SI units; ``flow`` is low/mean/high or a discharge in m³/s at
    the source, which scales the mean-flow discharges along the whole path)."""

    lon: float
    lat: float
    mass_kg: float
    start: datetime
    duration_s: float = 0.0
    substance: str | None = None
    decay_per_day: float | None = None
    flow: str | float = "mean"
    threshold_mg_l: float | None = None
    points: tuple[NamedPoint, ...] = ()
    days: float = 30.0
    max_snap_distance_m: float = 20_000.0
    #: water temperature (°C) for the substance's decay rate (Eq. (4) of docs/models/river.md);
    #: None: the rate at its reference temperature
    water_temp_c: float | None = None
    #: month (1-12) of the monthly water-temperature climatology used when ``water_temp_c`` is
    #: None (``hazatlas.services.spill_temperature``); None: the month of ``start``
    month: int | None = None
    #: the register's receiving water of the site released from (``--establishment``): the
    #: source is snapped as screening snaps the site (``hazatlas.services.screen.snap_site``)
    receiving_water: str | None = None


@dataclass(frozen=True)
class FirstLeg:
    """The unmapped first leg from the release point to the river (rule in
    :mod:`hazatlas.geo.water_bodies`, the same as screening's): the straight line to the
    receiving reach where it is farther than ``ON_RIVER_M``, else none; its travel time at
    :func:`~hazatlas.geo.water_bodies.first_leg_velocity_m_s`, the same for every flow."""

    length_m: float
    velocity_m_s: float

    @property
    def time_s(self) -> float:
        return self.length_m / self.velocity_m_s

    @property
    def unmapped(self) -> bool:
        return self.length_m > 0

    def fields(self) -> dict[str, Any]:
        """``first_leg`` of the spill document (the keys of screening's ``first_leg``)."""
        hours = round(self.time_s / 3600.0, 3)
        return {
            "length_km": round(self.length_m / 1000.0, 3),
            "travel_time_h": {flow: hours for flow in FLOWS},
            "velocity_m_s": round(self.velocity_m_s, 3),
            "status": "unmapped" if self.unmapped else "on river",
        }


NO_LEG = FirstLeg(0.0, 1.0)


@dataclass
class PathRun:
    """The model on the path for one flow, with the distances of the reported places."""

    flow: str
    model: RiverSpillModel
    points: Breakthrough | None
    borders: Breakthrough | None
    profile: Breakthrough
    source_discharge_m3_s: float


@dataclass
class SpillRun:
    """Everything a caller needs to report or plot one spill."""

    request: SpillRequest
    network: RiverNetwork
    snap: Snap
    path_reaches: np.ndarray
    reach_start_m: np.ndarray  # distance of each path reach's upstream end from the source
    point_distance_m: np.ndarray
    point_reach: list[int]
    crossings: list[Any]
    substance: WaterSubstance | None
    decay_per_day: float
    threshold_mg_l: float
    threshold_basis: str
    runs: dict[str, PathRun] = field(default_factory=dict)
    selected: str = "mean"
    threshold_default: bool = False  # True when the default of _default_threshold was used
    decay_basis: str = ""
    water_temp_basis: str = ""
    #: the water temperature used and where it comes from (user, climatology, none)
    water_temp: WaterTemperature = field(default_factory=lambda: NO_TEMPERATURE)
    #: the unmapped first leg: its length is in every ``river_km_from_source`` of the document
    #: and its travel time in every time of ``runs`` (the model's distances start at the river)
    first_leg: FirstLeg = NO_LEG

    @property
    def release(self) -> Release:
        return Release(self.request.mass_kg, self.request.duration_s, self.decay_per_day / 86_400)

    def series_mg_l(
        self, step_s: float = 600.0, distance_m: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Times (s after the start) and concentrations (mg/l, places x times) for the selected
        flow over the requested days, at ``distance_m`` (default: the user's points)."""
        times = np.arange(0.0, self.request.days * 86_400.0 + step_s / 2, step_s)
        where = self.point_distance_m if distance_m is None else np.asarray(distance_m, float)
        if where.size == 0:
            return times, np.zeros((0, times.size))
        model = self.runs[self.selected].model
        return times, delayed_series(model, self.release, where, times, self.first_leg.time_s)

    kind = "river"

    @property
    def inputs(self) -> dict[str, Any]:
        """The request, echoed as plain data (SI units, ISO 8601 start)."""
        r = self.request
        return {
            "lon": r.lon,
            "lat": r.lat,
            "mass_kg": r.mass_kg,
            "start": r.start.isoformat(timespec="minutes"),
            "duration_s": r.duration_s,
            "substance": r.substance,
            "decay_per_day": r.decay_per_day,
            "flow": r.flow,
            "threshold_mg_l": r.threshold_mg_l,
            "points": [{"name": p.name, "lon": p.lon, "lat": p.lat} for p in r.points],
            "days": r.days,
            "water_temp_c": r.water_temp_c,
            "month": r.month,
            "receiving_water": r.receiving_water,
        }

    @property
    def warnings(self) -> list[str]:
        """Validity of the model on the path and of the 1D assumption near the source."""
        from hazatlas.services.spill_report import spill_warnings

        return spill_warnings(self)

    @property
    def validity(self) -> list[Validity]:
        """The envelope of the selected flow's run (the hydraulics of the path)."""
        return [self.runs[self.selected].model.validity_envelope()]

    def to_json(self) -> dict[str, Any]:
        """The JSON document of the CLI contract (issue 5)."""
        from hazatlas.services.spill_report import spill_document

        return spill_document(self)

    to_dict = to_json

    def summary(self) -> dict[str, Any]:
        """The kind-independent summary (``hazatlas.models.base.scenario_summary``)."""
        from hazatlas.services.spill_report import spill_summary

        return spill_summary(self)


def run_spill(request: SpillRequest, network: RiverNetwork | None = None) -> SpillRun:
    """Run the alarm model for ``request`` on ``network`` (default: the bundled network)."""
    _validate(request)
    substance = find_substance(request.substance) if request.substance else None
    given = _threshold(request, substance)
    net = network if network is not None else RiverNetwork.load_default()
    snap = _snap_source(net, request)
    reaches = downstream_path(net, snap.reach_index)
    temperature = water_temperature(
        net, reaches.tolist(), given_c=request.water_temp_c, month=request.month,
        start_month=request.start.month,
    )  # fmt: skip
    decay, decay_basis = _decay(request, substance, temperature.water_temp_c)
    lengths = net.length_m[reaches].copy()
    lengths[0] = max(lengths[0] - snap.offset_m, 1.0)
    start = (
        np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
        - np.r_[snap.offset_m, np.zeros(reaches.size - 1)]
    )
    dist, preach = _locate_points(net, request, snap, reaches, start)
    run = SpillRun(
        request, net, snap, reaches, start, dist, preach,
        countries_downstream(net, snap.reach_index, snap.offset_m, _origin(request, snap)),
        substance, float(decay), math.nan, "",
    )  # fmt: skip
    run.decay_basis = decay_basis
    leg = snap.distance_m if snap.distance_m > ON_RIVER_M and math.isfinite(snap.distance_m) else 0
    run.first_leg = FirstLeg(float(leg), first_leg_velocity_m_s())
    run.water_temp, run.water_temp_basis = temperature, temperature.basis
    run.threshold_mg_l, run.threshold_basis = given or _default_threshold(run, lengths)
    run.threshold_default = given is None
    flows = [request.flow] if not isinstance(request.flow, str) else list(FLOWS)
    for flow in flows:
        run.runs[_flow_key(flow)] = _run_flow(run, flow, lengths)
    run.selected = _flow_key(request.flow)
    return run


def _snap_source(net: RiverNetwork, request: SpillRequest) -> Snap:
    """The source's reach: as screening snaps the site when a receiving water is given (a sea
    or lake has no river: the nearest reach then), else the nearest reach."""
    if request.receiving_water:
        from hazatlas.services.screen import Site, snap_site

        site = Site("source", request.lon, request.lat, None, request.receiving_water)
        reach, offset, away, water = snap_site(net, site, request.max_snap_distance_m)
        if reach >= 0 and water is None:
            return Snap(reach, offset, away)
    try:
        return snap_point(net, request.lon, request.lat, request.max_snap_distance_m)
    except HazatlasError as exc:
        raise ValidationError([Problem("parameter", None, "at", str(exc))]) from exc


def _origin(request: SpillRequest, snap: Snap) -> str | None:
    """The country a release off the river starts in (the country at the point, as screening
    takes the site's): the river's far bank is then reached, at the end of the first leg, like
    any other country; None on the river (the river's own state, see ``countries_downstream``)."""
    if not snap.distance_m > ON_RIVER_M:
        return None
    from hazatlas.geo.borders import countries_at

    return str(countries_at(np.array([request.lon]), np.array([request.lat]))[0]) or None


def _delayed(b: Breakthrough, delay_s: float) -> Breakthrough:
    """``b`` with its times counted from the release at the site: ``delay_s`` (the first
    leg's travel time) later than at the river."""
    if delay_s == 0:
        return b
    return replace(b, mean_s=b.mean_s + delay_s, peak_time_s=b.peak_time_s + delay_s,
                   arrival_s=b.arrival_s + delay_s, trailing_s=b.trailing_s + delay_s)  # fmt: skip


def delayed_series(
    model: RiverSpillModel, release: Release, where: np.ndarray, times: np.ndarray, delay_s: float
) -> np.ndarray:
    """Concentrations (mg/l, places x times) at ``times`` after the release at the site: the
    model's ``delay_s`` earlier (nothing has reached the river before the first leg's time)."""
    times = np.asarray(times, dtype=float)
    out = np.zeros((len(where), times.size))
    later = times > delay_s
    if later.any():
        out[:, later] = model.series(release, where, times[later] - delay_s) * 1000.0
    return out


def _decay(
    r: SpillRequest, substance: WaterSubstance | None, water_temp_c: float | None
) -> tuple[float, str]:
    """The decay rate (1/day) and its basis: the user's rate as given, else the substance's at
    the water temperature (the user's or the climatology's; Eq. (4) of docs/models/river.md),
    else 0."""
    if r.decay_per_day is not None:
        return float(r.decay_per_day), "given by the user (no temperature correction)"
    if substance is None:
        return 0.0, "none given: 0"
    return substance.decay_at(water_temp_c)


def _flow_key(flow: str | float) -> str:
    return flow if isinstance(flow, str) else "given"


def _validate(r: SpillRequest) -> None:
    raise_problems(
        spill_problems(
            mass_kg=r.mass_kg,
            duration_s=r.duration_s,
            decay_per_day=r.decay_per_day,
            threshold_mg_l=r.threshold_mg_l,
            days=r.days,
            flow=r.flow,
            water_temp_c=r.water_temp_c,
            month=r.month,
        )
    )


def _threshold(r: SpillRequest, substance: WaterSubstance | None) -> tuple[float, str] | None:
    """The user's threshold, else the substance's limit; None without either (the default of
    :func:`_default_threshold` applies); a named substance without a limit is an error."""
    if r.threshold_mg_l is not None:
        return r.threshold_mg_l, "given by the user"
    if substance is None:
        return None
    default = substance.default_threshold()
    if default is None:
        raise ValidationError(
            [
                Problem(
                    "parameter",
                    None,
                    "threshold",
                    f"substance '{substance.name}' has no limit in the packaged tables: give a "
                    "threshold (threshold_mg_l in the API, --threshold on the command line, "
                    "for example 0.05 mg/l)",
                )
            ]
        )
    return default


#: Without a substance or a threshold, arrival and trailing edge are taken at this fraction of
#: the peak concentration where the release has just mixed over the river's cross-section.
DEFAULT_THRESHOLD_FRACTION = 0.01


def _default_threshold(run: SpillRun, lengths: np.ndarray) -> tuple[float, str]:
    """1 % of the cross-section-mixed peak near the source, with the sentence that says so.

    The reference point is the cross-sectional mixing length of the source reach
    (``spill_report.mixing_length_m``, Fischer et al. 1979 ch. 5), where the 1D model starts to
    hold, at least 100 m; the flow is the selected one. Because the model is linear in the mass,
    a threshold proportional to the release makes the arrival, the duration and the borders
    reached independent of the (often uncertain) released mass: they describe the cloud itself.
    """
    from hazatlas.services.spill_report import mixing_length_m

    flow = run.request.flow
    model = RiverSpillModel(_river_path(run, flow, lengths))
    where = min(max(mixing_length_m(run, flow), 100.0), model.moments.total_length_m)
    peak_kg_m3 = float(model.compute(run.release, [where], 1e-30).peak_kg_m3[0])
    value = DEFAULT_THRESHOLD_FRACTION * peak_kg_m3 * 1000.0
    basis = (
        f"default without a substance or threshold: {DEFAULT_THRESHOLD_FRACTION:.0%} of the peak "
        f"concentration where the release has mixed over the cross-section "
        f"({peak_kg_m3 * 1000.0:.4g} mg/l at {where / 1000:.1f} km, the mixing length "
        "0.4 U B^2 / e_t of Fischer et al. 1979 ch. 5, at the selected flow). Arrival and "
        "trailing edge mark the cloud at 1/100 of its initial mixed concentration, so they do "
        "not depend on the released mass; this is not a limit of harm: give a substance or a "
        "threshold (threshold_mg_l, --threshold) for one"
    )
    return value, basis


def _river_path(run: SpillRun, flow: str | float, lengths: np.ndarray) -> RiverPath:
    """The path's hydraulics for one flow (a named flow or a discharge at the source)."""
    net, reaches = run.network, run.path_reaches
    if isinstance(flow, str):
        hyd = net.hydraulics(flow)
    else:
        mean_q = net.discharge("mean")
        hyd = net.hydraulics_for_discharge(mean_q * (flow / mean_q[reaches[0]]))
    volume = net.lake_volume_m3[reaches].copy()
    volume[0] *= lengths[0] / max(net.length_m[reaches[0]], 1.0)
    return RiverPath(
        length_m=lengths,
        velocity_m_s=hyd.velocity_m_s[reaches],
        dispersion_m2_s=hyd.dispersion_m2_s[reaches],
        discharge_m3_s=hyd.discharge_m3_s[reaches],
        lake_volume_m3=volume,
    )


def _run_flow(run: SpillRun, flow: str | float, lengths: np.ndarray) -> PathRun:
    path = _river_path(run, flow, lengths)
    return _path_run(run, str(flow), RiverSpillModel(path), float(path.discharge_m3_s[0]))


def _path_run(run: SpillRun, flow: str, model: RiverSpillModel, discharge: float) -> PathRun:
    thr = run.threshold_mg_l / 1000.0
    release = run.release
    total = model.moments.total_length_m
    border_d = np.clip([c.river_distance_m for c in run.crossings], 1.0, total)
    leg_s = run.first_leg.time_s
    return PathRun(
        flow=flow, model=model,  # fmt: skip
        points=_delayed(model.compute(release, run.point_distance_m, thr), leg_s)
        if run.point_distance_m.size
        else None,
        borders=_delayed(model.compute(release, border_d, thr), leg_s) if border_d.size else None,
        profile=_delayed(model.compute(release, model.moments.end_m, thr), leg_s),
        source_discharge_m3_s=discharge,
    )


def _locate_points(
    net: RiverNetwork, r: SpillRequest, snap: Snap, reaches: np.ndarray, start: np.ndarray
) -> tuple[np.ndarray, list[int]]:
    """Distance from the source of each user point, snapped to the path's reaches."""
    dist, preach, problems = [], [], []
    lines = [net.geometry[i] for i in reaches]
    for n, p in enumerate(r.points):
        k, offset, away = _nearest_on_path(net, lines, reaches, p.lon, p.lat)
        if away > r.max_snap_distance_m:
            problems.append(
                Problem(
                    "parameter",
                    None,
                    f"point {n + 1}",
                    f"'{p.name}' ({p.lon}, {p.lat}) is {away / 1000:.1f} km from the river downstream of the source (limit {r.max_snap_distance_m / 1000:g} km): not on the spill's path",
                )
            )
            continue
        d = start[k] + offset
        if d <= 0:
            problems.append(
                Problem(
                    "parameter",
                    None,
                    f"point {n + 1}",
                    f"'{p.name}' lies upstream of the source ({-d / 1000:.1f} km)",
                )
            )
            continue
        dist.append(d)
        preach.append(int(reaches[k]))
    if problems:
        raise ValidationError(problems)
    return np.array(dist, dtype=float), preach


def path_distance(run: SpillRun, lon: float, lat: float) -> tuple[float, int, float]:
    """Where a place lies on the run's path: distance from the source along the river (m,
    negative upstream of the source), network reach index, and distance from the river (m)."""
    lines = [run.network.geometry[i] for i in run.path_reaches]
    k, offset, away = _nearest_on_path(run.network, lines, run.path_reaches, lon, lat)
    return float(run.reach_start_m[k] + offset), int(run.path_reaches[k]), away


def _nearest_on_path(
    net: RiverNetwork, lines: list, reaches: np.ndarray, lon: float, lat: float
) -> tuple[int, float, float]:
    """Index in the path, offset along the reach (m) and distance (m) of the nearest point on
    the path's reaches (local equirectangular projection around the point)."""
    kx = _KM_LON * 1000.0 * math.cos(math.radians(lat))
    ky = _KM_LAT * 1000.0

    def proj(g: Any) -> Any:
        return shapely.transform(g, lambda xy: (xy - [lon, lat]) * [kx, ky])

    geoms = np.array([proj(g) for g in lines], dtype=object)
    origin = shapely.Point(0.0, 0.0)
    d = shapely.distance(geoms, origin)
    k = int(np.argmin(d))
    frac = shapely.line_locate_point(geoms[k], origin, normalized=True)
    return k, float(frac) * float(net.length_m[reaches[k]]), float(d[k])


def iso(start: datetime, seconds: float) -> str | None:
    """ISO 8601 time ``seconds`` after ``start`` (None for NaN)."""
    if seconds is None or not math.isfinite(seconds):
        return None
    return (start + timedelta(seconds=float(seconds))).isoformat(timespec="minutes")
