"""What a site gives a scenario: the inputs a user leaves out of a run on an establishment.

A river spill, a plume or a runout may name the establishment it starts from
(``--establishment ID``, JSON ``establishment_id``). The site then fills the inputs the user did
not give, and the result says which ones (``filled_from_establishment``: for each input, the
value used and where it comes from). An input the user gives is never replaced.

* **location** (``at``): the site's point. A plume is placed on the map only with a wind
  direction, so a plume takes the site's point only when ``wind_from_deg`` is given.
* **substance and amount** (``substance``, ``mass_kg``): one line of the site's inventory; the
  amount a scenario may release is the line's maximum quantity (the quantity present or likely
  to be present at any one time, Seveso III Annex I note 3: a worst case). The line is the one
  whose name or CAS number matches the given substance; without one, the largest line among
  those the model knows (river: a substance of the water tables, ``spill_substances``; plume: a
  substance with AEGL/ERPG values, gases and liquefied gases first), else the largest line.
* **tailings** (``impounded_volume_m3``, ``dam_height_m``, ``constituents_mg_kg``): the site's
  tailings details (stored volume, dam height, constituents).
* **receiving water**: the site's ``receiving_water`` is compared with the river the spill was
  snapped to; a different name is a warning (the mapped network may lack the receiving stream).

Running a scenario on a site uses its confidential fields (inventory, tailings details), so it
needs the right to read them (``access.can_read_full``); the stored run is then read under the
same rule (``hazatlas.services.scenarios``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hazatlas.domain.access import Principal, can_read_full
from hazatlas.domain.errors import HazatlasError, NotFoundError, PermissionDeniedError
from hazatlas.domain.establishment import Establishment
from hazatlas.domain.inventory import InventoryItem, PhysicalState
from hazatlas.storage import repositories as repo
from hazatlas.storage.db import Database

Filled = dict[str, dict[str, Any]]


def site_for_run(db: Database, principal: Principal, establishment_id: str) -> Establishment:
    """The establishment a run starts from; it must exist and ``principal`` must be entitled to
    its confidential fields (the run uses them and is read under the site's rule)."""
    with db.transaction() as s:
        e = repo.get(s, establishment_id)
    if e is None:
        raise NotFoundError(f"establishment '{establishment_id}' not found")
    if not can_read_full(principal, e.disclosure, e.country_iso3, e.id):
        raise PermissionDeniedError(
            f"user '{principal.username}' may not run scenarios on establishment "
            f"'{establishment_id}': its inventory and tailings details are confidential to them"
        )
    return e


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _matches(item: InventoryItem, substance: str) -> bool:
    key = _key(substance)
    return key in (_key(item.substance_name), _key(item.cas_number or ""))


def _quantity(kg: float) -> str:
    return f"{kg / 1000:g} t" if kg >= 1000 else f"{kg:g} kg"


def _line_note(e: Establishment, item: InventoryItem) -> str:
    return (f"inventory of {e.id}: '{item.substance_name}', maximum quantity "
            f"{_quantity(item.max_quantity_kg)} ({item.quantity_basis})")


def choose_line(e: Establishment, substance: str | None,
                known: Callable[[InventoryItem], bool],
                preferred: Callable[[InventoryItem], bool] = lambda _: False) -> InventoryItem | None:
    """The inventory line a scenario releases (see the module's rule); None if there is none."""
    lines = [i for i in e.inventory if i.max_quantity_kg > 0]
    if substance:
        return next((i for i in lines if _matches(i, substance)), None)
    if not lines:
        return None

    def rank(i: InventoryItem) -> tuple[bool, bool, float]:
        return known(i), preferred(i), i.max_quantity_kg

    return max(lines, key=rank)


def _fill_location(e: Establishment, filled: Filled) -> tuple[float, float]:
    filled["at"] = {"value": [e.lon, e.lat], "from": f"location of {e.id} ({e.name})"}
    return e.lon, e.lat


def _fill_release(e: Establishment, substance: str | None, mass_kg: float | None,
                  item: InventoryItem | None, filled: Filled,
                  name_of: Callable[[InventoryItem], str | None]) -> tuple[str | None, float | None]:
    """Substance and mass from the chosen line, for those the user left out."""
    if item is None:
        return substance, mass_kg
    if substance is None:
        substance = name_of(item)
        if substance is not None:
            filled["substance"] = {"value": substance, "from": _line_note(e, item)}
    if mass_kg is None:
        mass_kg = item.max_quantity_kg
        filled["mass_kg"] = {"value": mass_kg, "from": _line_note(e, item)}
    return substance, mass_kg


def _known_name(item: InventoryItem, known: Callable[[InventoryItem], bool]) -> str | None:
    """The line's name if the model knows it by name, else its CAS number; None if unknown."""
    if not known(item):
        return None
    by_name = InventoryItem(item.substance_name, item.max_quantity_kg)
    return item.substance_name if known(by_name) else item.cas_number


def _water_known(item: InventoryItem) -> bool:
    from hazatlas.services.spill_substances import find_substance

    for name in (item.cas_number, item.substance_name):
        if name:
            try:
                find_substance(name)
                return True
            except HazatlasError:
                continue
    return False


def fill_spill(e: Establishment, values: Mapping[str, Any]) -> tuple[dict[str, Any], Filled]:
    """River spill inputs ``at`` (lon, lat), ``substance`` and ``mass_kg`` completed from the
    site; returns the completed values and what was filled."""
    out: dict[str, Any] = dict(values)
    filled: Filled = {}
    if out.get("at") is None:
        out["at"] = _fill_location(e, filled)
    if out.get("mass_kg") is None or out.get("substance") is None:
        item = choose_line(e, out.get("substance"), _water_known)
        if item is None and out.get("mass_kg") is None:
            raise _no_line(e, out.get("substance"), "mass_kg", "--mass")

        def water_name(i: InventoryItem) -> str | None:
            return _known_name(i, _water_known)

        out["substance"], out["mass_kg"] = _fill_release(
            e, out.get("substance"), out.get("mass_kg"), item, filled, water_name)
    return out, filled


def _air_known(item: InventoryItem) -> bool:
    from hazatlas.models.air.zones import find_substance

    return any(n and find_substance(n) is not None for n in (item.cas_number, item.substance_name))


def _gas(item: InventoryItem) -> bool:
    return item.physical_state in (PhysicalState.GAS, PhysicalState.LIQUEFIED_GAS)


def fill_plume(e: Establishment, values: Mapping[str, Any]) -> tuple[dict[str, Any], Filled]:
    """Plume inputs ``at`` (with a wind direction), ``substance`` and, when no source is given
    (rate, mass, pool, hole), ``mass_kg`` (an instantaneous release of the whole line)."""
    out: dict[str, Any] = dict(values)
    filled: Filled = {}
    if out.get("at") is None and out.get("wind_from_deg") is not None:
        out["at"] = _fill_location(e, filled)
    sources = ("rate_kg_s", "mass_kg", "pool_area_m2", "hole_diameter_m")
    no_source = all(out.get(k) is None for k in sources)
    if out.get("substance") is None or no_source:
        item = choose_line(e, out.get("substance"), _air_known, _gas)
        if item is None and no_source:
            raise _no_line(e, out.get("substance"), "mass_kg", "--mass or --rate")

        def air_name(i: InventoryItem) -> str | None:
            return _known_name(i, _air_known)

        out["substance"], mass = _fill_release(
            e, out.get("substance"), None if no_source else 0.0, item, filled, air_name)
        if no_source:
            out["mass_kg"] = mass
    return out, filled


def fill_runout(e: Establishment, values: Mapping[str, Any]) -> tuple[dict[str, Any], Filled]:
    """Runout inputs ``at``, ``impounded_volume_m3``, ``dam_height_m`` and
    ``constituents_mg_kg`` from the site's location and tailings details."""
    out: dict[str, Any] = dict(values)
    filled: Filled = {}
    if out.get("at") is None:
        out["at"] = _fill_location(e, filled)
    t = e.tailings
    source = f"tailings details of {e.id}"
    for key, value in (("impounded_volume_m3", t.stored_volume_m3 if t else None),
                       ("dam_height_m", t.dam_height_m if t else None)):
        if out.get(key) is None and value is not None:
            out[key] = value
            filled[key] = {"value": value, "from": f"{source} ({key.rsplit('_', 1)[0]})"}
    if not out.get("constituents_mg_kg") and t is not None and t.constituents:
        out["constituents_mg_kg"] = {c.name: c.concentration_mg_kg for c in t.constituents}
        filled["constituents_mg_kg"] = {"value": out["constituents_mg_kg"],
                                        "from": f"{source} (constituents)"}
    return out, filled


def receiving_water_warning(e: Establishment, river: str | None) -> list[str]:
    """A sentence when the river a spill was snapped to is not the site's receiving water."""
    if not e.receiving_water or not river:
        return []
    if _key(e.receiving_water) in _key(river) or _key(river) in _key(e.receiving_water):
        return []
    return [f"the receiving water of {e.id} is '{e.receiving_water}' but the release point was "
            f"snapped to the mapped river '{river}': the stream between them is not modelled"]


def _no_line(e: Establishment, substance: str | None, field: str, option: str) -> HazatlasError:
    from hazatlas.models.base import invalid_input

    what = (f"holds no '{substance}' in its inventory" if substance
            else "has no inventory line with a quantity")
    return invalid_input(field, f"establishment {e.id} {what}: give {field} ({option})")
