"""How damage events raise a site's release assumptions and its rank (``docs/natech.md``,
section "Damage events"; the rule is :mod:`hazatlas.models.natech.reported`).

* **Release** (Natech screening): a unit named in an event is at least in the reported damage
  state in any later event: its release per event is the content times
  sum P(ds) * max(f(ds), f_reported) (tanks: the HAZUS states; a tailings dam: failure only
  when reported destroyed). The unit's result carries ``reported_damage`` (the state, its LOC
  state and release fraction) and ``damage_release`` = f_reported x content, the release the
  reported damage itself implies (not added to the per-year figures).
* **Rank**: a site with reported damage **with loss of content** (HAZUS DS3 and above:
  moderate, severe, destroyed) ranks before the sites without, the higher state first, in the
  Natech ranking and in the register ranking (within its group); minor damage (DS2, "without
  loss of content") is flagged but does not move the site. Unassessed events count with their
  reported extent (precautionary) and the site is flagged ``unassessed_damage``.

Each site's worst state is taken over its events; an event that is later assessed takes its
assessed extent (an assessment of ``none`` removes its effect).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from hazatlas.domain.damage import DAM_UNIT, DamageEvent, Extent
from hazatlas.models.natech.reported import (
    DAMS,
    TANKS,
    ReportedState,
    floored_fraction,
    reported_state,
)
from hazatlas.models.natech.screening import EventResult


def site_summary(events: Sequence[DamageEvent]) -> dict[str, Any] | None:
    """The worst reported state of a site and the unit states, ``None`` without events."""
    if not events:
        return None
    worst = max(events, key=lambda ev: ev.extent.order)
    units: dict[str, str] = {}
    for ev in events:
        for u in ev.affected_units:
            if u not in units or Extent(units[u]).order < ev.extent.order:
                units[u] = str(ev.extent)
    state = reported_state(str(worst.extent), TANKS)
    return {
        "extent": str(worst.extent),
        "damage_state": state.damage_state,
        "loc_state": state.loc_state,
        "loss_of_content": state.loss_of_content,
        "events": len(events),
        "unassessed": sum(not ev.assessed for ev in events),
        "units": units,
        "priority": worst.extent.order if state.loss_of_content else 0,
    }


def unit_state(summary: dict[str, Any] | None, label: str) -> ReportedState | None:
    """The reported state of one unit (``None``: not named in any event, or no damage)."""
    if summary is None or label not in summary["units"]:
        return None
    kind = DAMS if label == DAM_UNIT else TANKS
    state = reported_state(summary["units"][label], kind)
    return state if state.release_fraction > 0 else None


def floor_events(events: Sequence[EventResult], state: ReportedState,
                 content: float) -> list[EventResult]:
    """``events`` of a unit with the release floored at the reported state (module doc)."""
    out = []
    for ev in events:
        d = ev.damage
        fraction = float(floored_fraction(d.probabilities, d.release_fractions,
                                          state.release_fraction)[0])
        out.append(dataclasses.replace(
            ev, release_per_event=fraction * content,
            notes=(*ev.notes, f"reported damage {state.extent} ({state.damage_state}, LOC "
                   f"{state.loc_state}): release fraction at least {state.release_fraction:g} "
                   f"(expected {fraction:.4g} instead of "
                   f"{float(d.expected_release_fraction[0]):.4g})")))
    return out


def rank_fields(summary: dict[str, Any] | None) -> dict[str, Any]:
    """The damage columns of a ranking row."""
    return {
        "reported_damage": summary["extent"] if summary else None,
        "unassessed_damage": bool(summary and summary["unassessed"]),
        "damage_priority": summary["priority"] if summary else 0,
    }
