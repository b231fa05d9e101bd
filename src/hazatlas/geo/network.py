"""The river network as arrays (pyflwdir style): ids, downstream index, topological order,
lengths, and per-reach hydraulics for low, mean and high flow.

The bundled network is the Natural Earth 1:10m river network with ``next_down`` topology
(``data/geo/rivers/ne10m_river_network.geojson``, see its SOURCES.md; built by
:mod:`hazatlas.geo.bundled`). Natural Earth carries no discharge; it is assigned from the
gauges of ``river_gauges.csv`` and interpolated along the network (:mod:`hazatlas.geo.gauges`,
rule in :mod:`hazatlas.geo.hydraulics`). Users can load their own network (GeoJSON or
GeoPackage lines with ``reach_id``/``next_down`` or HydroRIVERS' ``HYRIV_ID``/``NEXT_DOWN``) and
override any reach. Every value records its origin: ``gauged``, ``interpolated``, ``default``
(regional specific discharge, no gauge in the system), ``user`` (file or override) or
``derived`` (hydraulic geometry from the discharge); lake reaches are marked ``lake``.

A :class:`RiverNetwork` is a value: it is complete when constructed (topological order,
discharges, hydraulics and the sinuosity ``length_factor`` included), its arrays are read-only
and its attributes cannot be set. As in pyflwdir, the reach arrays keep the order of the input
(a reach's index is its position in the file) and ``order`` is the topological sequence (every
reach before its downstream reach; pyflwdir's ``idxs_seq`` read from the outlets up). Indexes
derived from the network for snapping and downstream paths are built once, on first use, by
its :attr:`RiverNetwork.index` (:class:`hazatlas.geo.network_index.NetworkIndex`), or read from
``index_arrays`` stored with a network (:func:`hazatlas.geo.network_index.stored_arrays`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from hazatlas.domain.errors import HazatlasError, Problem, ValidationError
from hazatlas.geo import hydraulics as hy
from hazatlas.geo._io import USER_QUANTITIES, FeatureColumns, geodesic_length
from hazatlas.geo.network_topology import levels

if TYPE_CHECKING:
    from hazatlas.geo.gauges import Discharges
    from hazatlas.geo.network_index import NetworkIndex

FLOWS = ("low", "mean", "high")


@dataclass(frozen=True)
class Hydraulics:
    """One value per reach, SI units, float64 arrays of shape (n,)."""

    discharge_m3_s: np.ndarray
    velocity_m_s: np.ndarray
    width_m: np.ndarray
    depth_m: np.ndarray
    dispersion_m2_s: np.ndarray


@functools.lru_cache(maxsize=1 << 16)  # a million reaches share a few thousand names
def fold(text: str | None) -> str:
    """Case- and accent-insensitive key for river names.

    >>> fold("Someș")
    'somes'
    """
    s = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in s if not unicodedata.combining(c)).casefold().strip()


def readonly(values: Any, dtype: Any = None) -> np.ndarray:
    """``values`` as an array that cannot be written (copied unless already read-only)."""
    arr = np.asarray(values, dtype=dtype)
    if arr.flags.writeable:
        arr = arr.copy()
        arr.flags.writeable = False
    return arr


class RiverNetwork:
    """Reach arrays of a river network; build with :meth:`load_default`, :meth:`load` or
    :meth:`from_features`. Immutable (see the module doc).

    Attributes follow the agreed API: ``reach_id``, ``downstream`` (index, -1 at an outlet),
    ``order`` (every reach before its downstream reach), ``length_m``, ``name``, ``geometry``
    (WGS 84 LineStrings drawn downstream), ``lake_volume_m3`` (NaN unless a lake reach) and
    ``length_factor`` (the sinuosity correction already applied to ``length_m``; 1 unless
    calibrated).
    """

    reach_id: np.ndarray
    downstream: np.ndarray
    length_m: np.ndarray
    length_factor: np.ndarray
    name: tuple[str, ...]
    geometry: tuple[Any, ...]
    attributes: Mapping[str, tuple[Any, ...]]
    source: str
    dispersion_method: str
    user_values: Mapping[str, np.ndarray]
    level: np.ndarray
    groups: tuple[np.ndarray, ...]
    order: np.ndarray
    lake_volume_m3: np.ndarray
    discharges: Discharges | None
    notes: tuple[str, ...]
    _hydraulics: Mapping[str, Hydraulics]

    def __init__(
        self,
        reach_id: np.ndarray,
        downstream: np.ndarray,
        length_m: np.ndarray,
        name: Sequence[str],
        geometry: Sequence[Any],
        *,
        user_values: Mapping[str, np.ndarray] | None = None,
        attributes: Mapping[str, Sequence[Any]] | None = None,
        lake_volume_m3: np.ndarray | None = None,
        length_factor: np.ndarray | None = None,
        dispersion_method: str = "fischer1975",
        source: str = "",
        notes: Sequence[str] = (),
        assign: bool = True,
        index_arrays: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        n = len(reach_id)
        if dispersion_method not in hy.DISPERSION_METHODS:
            hy.dispersion_coefficient(np.ones(1), np.ones(1), np.ones(1), dispersion_method)
        user = {q: np.full(n, np.nan) for q in USER_QUANTITIES}
        user.update({k: np.asarray(v, dtype=float) for k, v in (user_values or {}).items()})
        down = readonly(downstream, np.int64)
        level = readonly(levels(down))  # O(n log depth), see geo/network_topology.py
        groups = tuple(readonly(g) for g in hy.level_groups(level))
        init = object.__setattr__
        init(self, "reach_id", readonly(reach_id, np.int64))
        init(self, "downstream", down)
        init(self, "length_m", readonly(length_m, float))
        init(
            self,
            "length_factor",
            readonly(np.ones(n) if length_factor is None else length_factor, float),
        )
        init(self, "name", tuple(name))
        init(self, "geometry", tuple(geometry))
        init(
            self,
            "attributes",
            MappingProxyType({k: tuple(v) for k, v in (attributes or {}).items()}),
        )
        init(self, "source", source)
        init(self, "dispersion_method", dispersion_method)
        init(self, "user_values", MappingProxyType({k: readonly(v) for k, v in user.items()}))
        init(self, "level", level)
        init(self, "groups", groups)
        init(self, "order", readonly(np.concatenate(groups) if n else np.zeros(0, dtype=np.int64)))
        init(
            self,
            "lake_volume_m3",
            readonly(np.full(n, np.nan) if lake_volume_m3 is None else lake_volume_m3, float),
        )
        if index_arrays is not None:  # before the gauges are snapped (assign_discharges)
            from hazatlas.geo.network_index import NetworkIndex

            NetworkIndex.attach(self, index_arrays)
        discharges = None
        if assign:
            from hazatlas.geo.gauges import assign_discharges

            discharges = assign_discharges(self)
        init(self, "discharges", discharges)
        init(self, "notes", (*(discharges.notes if discharges else ()), *notes))
        hydraulics = (
            {}
            if discharges is None
            else {flow: self.hydraulics_for_discharge(discharges.by_flow[flow]) for flow in FLOWS}
        )
        init(self, "_hydraulics", MappingProxyType(hydraulics))

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"a RiverNetwork is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"a RiverNetwork is immutable; cannot delete {name!r}")

    @functools.cached_property
    def index(self) -> NetworkIndex:
        """The indexes derived from this network (snapping, state runs, travel times ...),
        each built once on first use."""
        from hazatlas.geo.network_index import NetworkIndex

        return NetworkIndex(self)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def load_default(cls) -> RiverNetwork:
        """The bundled Natural Earth network with gauged discharges (cached)."""
        from hazatlas.geo.bundled import default_network

        return default_network()

    @classmethod
    def load(cls, path: str | Path, dispersion_method: str = "fischer1975") -> RiverNetwork:
        """A user network from GeoJSON or GeoPackage (``reach_id``, ``next_down``, ...)."""
        from hazatlas.geo._io import read_features

        return cls.from_features(read_features(path), str(path), dispersion_method)

    @classmethod
    def from_features(
        cls,
        features: Sequence[tuple[Mapping[str, Any], Any]],
        source: str = "features",
        dispersion_method: str = "fischer1975",
        with_lakes: bool = True,
        assign: bool = True,
    ) -> RiverNetwork:
        """Build from ``(properties, LineString)`` pairs; ``next_down`` 0 or missing = outlet."""
        rows = FeatureColumns.read(features, source)
        index = {r: i for i, r in enumerate(rows.ids)}
        if len(index) != len(rows.ids):
            raise ValidationError([Problem(source, None, "reach_id", "reach ids are not unique")])
        bad = [r for r in rows.next_down if r and r not in index]
        down = np.array([index.get(r, -1) if r else -1 for r in rows.next_down], dtype=np.int64)
        length = np.array([geodesic_length(np.asarray(g.coords)[:, :2]) for g in rows.geometry])
        lakes = None
        if with_lakes:
            from hazatlas.geo.lakes import lake_volumes

            lakes = lake_volumes(rows.geometry)
        notes = [f"{len(bad)} next_down ids not in the file were treated as outlets"] if bad else []
        return cls(
            np.array(rows.ids),
            down,
            length,
            rows.name,
            rows.geometry,
            user_values={q: np.array(v) for q, v in rows.user.items()},
            attributes=rows.attributes,
            lake_volume_m3=lakes,
            dispersion_method=dispersion_method,
            source=source,
            notes=notes,
            assign=assign,
        )

    # -- lookup -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.reach_id)

    @functools.cached_property
    def _index(self) -> Mapping[int, int]:
        """Array index by reach id (built on the first :meth:`index_of`)."""
        return MappingProxyType({int(r): i for i, r in enumerate(self.reach_id.tolist())})

    def index_of(self, reach_id: int) -> int:
        """Array index of a reach id; raises HazatlasError if unknown."""
        try:
            return self._index[int(reach_id)]
        except KeyError:
            raise HazatlasError(f"reach {reach_id} is not in the river network") from None

    def river_name(self, i: int) -> str:
        """The canonical main-stem name of reach ``i`` (``attributes["river"]``, see
        :mod:`hazatlas.geo.river_names`), else its name in the source data."""
        canonical = self.attributes.get("river")
        return (canonical[i] if canonical else "") or self.name[i]

    def river_names(self, i: int) -> dict[str, str]:
        """The names of reach ``i`` by language code (``attributes["river_names"]``); empty
        where the network has none."""
        names = self.attributes.get("river_names")
        return dict(names[i]) if names else {}

    def reaches_named(self, river: str) -> np.ndarray:
        """Indices of reaches whose name (or alternative name) matches ``river``."""
        key = fold(river)
        hit = np.zeros(len(self), dtype=bool)
        for codes, distinct in self._name_codes:
            match = [k for k, nm in enumerate(distinct) if fold(nm) == key]
            hit |= np.isin(codes, np.array(match, dtype=np.int64))
        return np.flatnonzero(hit).astype(np.int64)

    @functools.cached_property
    def _name_codes(self) -> tuple[tuple[np.ndarray, tuple[str, ...]], ...]:
        """For the names and the alternative names (``name_alt``, if any): a code per reach
        and the distinct names by code (a million reaches share a few thousand names: each
        name is folded once per look-up, not once per reach)."""
        out: list[tuple[np.ndarray, tuple[str, ...]]] = []
        alt = self.attributes.get("name_alt")
        if not alt:  # no alternative names: every reach's is "" (as the reach-by-reach rule)
            out.append((readonly(np.zeros(len(self), dtype=np.int64)), ("",)))
        for names in (self.name, *((alt,) if alt else ())):
            code_of: dict[str, int] = {}
            codes = np.fromiter((code_of.setdefault(nm or "", len(code_of)) for nm in names),
                                dtype=np.int64, count=len(names))  # fmt: skip
            out.append((readonly(codes), tuple(code_of)))
        return tuple(out)

    def reaches_matching(self, river: str) -> np.ndarray:
        """Reaches named ``river``, or whose name contains it as a whole word ("Timok" matches
        "Beli Timok"); exact matches only if there are any."""
        exact = self.reaches_named(river)
        if len(exact):
            return exact
        key = fold(river)
        if not key:
            return exact
        pat = re.compile(rf"(^|[\s\-]){re.escape(key)}($|[\s\-])")
        alt = self.attributes.get("name_alt") or ("",) * len(self)
        hits = [
            i
            for i, (a, b) in enumerate(zip(self.name, alt, strict=True))
            if pat.search(fold(a)) or pat.search(fold(b))
        ]
        return np.array(hits, dtype=np.int64)

    # -- hydraulics ---------------------------------------------------------------------------
    def _assigned(self) -> Discharges:
        if self.discharges is None:
            raise HazatlasError("this river network was built without discharges (assign=False)")
        return self.discharges

    def discharge_origin(self) -> np.ndarray:
        """Origin of each reach's discharge: gauged, interpolated, default or user."""
        return self._assigned().origin.copy()

    def origin(self, quantity: str) -> np.ndarray:
        """Origin per reach of ``discharge_m3_s``, ``velocity_m_s``, ``width_m``, ``depth_m`` or
        ``dispersion_m2_s``: ``user`` where set, ``lake`` for velocity/depth of lake reaches,
        else ``derived`` (from the discharge) - or the discharge origin for the discharge."""
        if quantity not in USER_QUANTITIES:
            raise HazatlasError(f"unknown quantity {quantity!r}; expected {USER_QUANTITIES}")
        if quantity == "discharge_m3_s":
            return self.discharge_origin()
        out = np.full(len(self), "derived", dtype="<U12")
        if quantity in ("velocity_m_s", "depth_m"):
            out[~np.isnan(self.lake_volume_m3)] = "lake"
        out[~np.isnan(self.user_values[quantity])] = "user"
        return out

    def discharge(self, flow: str = "mean") -> np.ndarray:
        """Discharge (m3/s) at each reach's downstream end for ``low``, ``mean`` or ``high``."""
        _check_flow(flow)
        return self._assigned().by_flow[flow].copy()

    def hydraulics(self, flow: str = "mean") -> Hydraulics:
        """Hydraulics of every reach for ``flow`` in {"low", "mean", "high"} (read-only arrays,
        computed with the network)."""
        _check_flow(flow)
        self._assigned()
        return self._hydraulics[flow]

    def hydraulics_for_discharge(self, discharge_m3_s: np.ndarray) -> Hydraulics:
        """Width, depth, velocity and dispersion for any discharge per reach.

        User values (given for the mean flow) are scaled by the hydraulic-geometry ratio
        ``X(Q) / X(Q_mean)``; lake reaches get ``U = L Q / V`` and depth ``V / (L w)``.
        """
        q = np.maximum(np.asarray(discharge_m3_s, dtype=float), 1e-3)
        if q.shape != self.length_m.shape:
            raise HazatlasError(f"expected {len(self)} discharges, got {q.shape}")
        mean = self._assigned().by_flow["mean"]
        w, d, v = self._geometry(q, mean)
        k = hy.dispersion_coefficient(v, w, d, self.dispersion_method)
        k_user = self.user_values["dispersion_m2_s"]
        if not np.isnan(k_user).all():
            wm, dm, vm = self._geometry(mean, mean)
            k = _scaled(k_user, k, hy.dispersion_coefficient(vm, wm, dm, self.dispersion_method))
        return Hydraulics(*(readonly(a) for a in (q, v, w, d, k)))

    def _geometry(
        self, q: np.ndarray, mean: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w, d, v = hy.geometry_at_station(q, mean)
        w0, d0, v0 = hy.geometry_for_discharge(mean)
        w = _scaled(self.user_values["width_m"], w, w0)
        d = _scaled(self.user_values["depth_m"], d, d0)
        v = _scaled(self.user_values["velocity_m_s"], v, v0)
        lake = ~np.isnan(self.lake_volume_m3) & np.isnan(self.user_values["velocity_m_s"])
        if lake.any():
            vol, length = self.lake_volume_m3[lake], np.maximum(self.length_m[lake], 1.0)
            v[lake] = length * q[lake] / vol
            d[lake] = vol / (length * w[lake])
        return w, d, v

    def with_overrides(self, overrides: Mapping[int, Mapping[str, float]]) -> RiverNetwork:
        """A copy with user-set values, ``{reach_id: {"velocity_m_s": 0.8, ...}}`` (mean flow)."""
        user = {q: a.copy() for q, a in self.user_values.items()}
        problems = []
        for rid, values in overrides.items():
            i = self.index_of(rid)
            for key, val in values.items():
                if key not in USER_QUANTITIES or not float(val) > 0:
                    problems.append(
                        Problem(
                            "overrides",
                            None,
                            key,
                            f"reach {rid}: expected one of "
                            f"{', '.join(USER_QUANTITIES)} with a positive value",
                        )
                    )
                    continue
                user[key][i] = float(val)
        if problems:
            raise ValidationError(problems)
        return self._copy(user_values=user)

    def with_dispersion_method(self, method: str) -> RiverNetwork:
        """A copy whose dispersion coefficient uses ``method`` (see hydraulics.DISPERSION_METHODS)."""
        return self._copy(dispersion_method=method)

    def _copy(self, **changes: Any) -> RiverNetwork:
        kw: dict[str, Any] = dict(
            user_values=self.user_values,
            attributes=self.attributes,
            lake_volume_m3=self.lake_volume_m3,
            length_factor=self.length_factor,
            dispersion_method=self.dispersion_method,
            source=self.source,
        )
        kw.update(changes)
        return RiverNetwork(
            self.reach_id, self.downstream, self.length_m, self.name, self.geometry, **kw
        )

    # -- derived topology ---------------------------------------------------------------------
    @functools.cached_property
    def distance_to_outlet_m(self) -> np.ndarray:
        """River distance from each reach's *upstream* end to its outlet."""
        out = self.length_m.copy()
        for idx in reversed(self.groups):
            d = self.downstream[idx]
            ok = d >= 0
            out[idx[ok]] += out[d[ok]]
        return readonly(out)

    @functools.cached_property
    def outlet(self) -> np.ndarray:
        """Index of the outlet reach each reach drains to."""
        out = np.arange(len(self))
        for idx in reversed(self.groups):
            d = self.downstream[idx]
            ok = d >= 0
            out[idx[ok]] = out[d[ok]]
        return readonly(out)


def _check_flow(flow: str) -> None:
    if flow not in FLOWS:
        raise HazatlasError(f"unknown flow {flow!r}; expected one of low, mean, high")


def _scaled(user: np.ndarray, value: np.ndarray, value_mean: np.ndarray) -> np.ndarray:
    set_ = ~np.isnan(user)
    if not set_.any():
        return value
    out = value.copy()
    out[set_] = user[set_] * value[set_] / value_mean[set_]
    return out
