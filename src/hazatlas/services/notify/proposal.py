"""Propose the recipients of a report from an establishment (or a point) and scenarios.

Recipients are the countries on the downstream path (river screening,
:mod:`hazatlas.services.screen`), the countries in a plume zone or a runout path (the
``countries`` of scenario results of every kind, as the API returns them: see
:func:`scenario_countries`), and the basin body of the river basin when the directory
has one. The country of the accident itself is not proposed. The proposal also pre-fills the
accident place and substances of the report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from hazatlas.domain.access import Principal
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.services.notify.common import Context
from hazatlas.services.notify.results import Proposal, ProposedRecipient
from hazatlas.services.register import RegisterService
from hazatlas.storage import notifications as store
from hazatlas.storage.db import Database

_ISO3 = re.compile(r"^[A-Z]{3}$")


def _scenario_reason(scenario: Mapping[str, Any]) -> str:
    if "spills" in scenario or "river_entry" in scenario:
        return "tailings failure"
    if "zones" in scenario or "receptors" in scenario:
        return "plume zone"
    if "runout_km" in scenario or "path" in scenario:
        return "runout path"
    if "profile" in scenario or "flow" in scenario:
        return "river scenario"
    return "scenario"


def scenario_countries(scenario: Any) -> list[tuple[str, str]]:
    """(country, reason) for each country a scenario reaches, from its JSON as the API returns
    it (a run's answer, or a stored run whose ``result`` holds it). ``countries`` is a list of
    ISO3 codes (plume, runout) or of entries with ``country`` (river, tailings failure: those
    whose ``first_arrival`` is null stay below the threshold and are left out); anything that is
    not an ISO 3166-1 alpha-3 code is ignored."""
    if not isinstance(scenario, Mapping):
        return []
    result = scenario.get("result")
    doc: Mapping[str, Any] = result if isinstance(result, Mapping) else scenario
    reason = _scenario_reason(doc)
    out: list[tuple[str, str]] = []
    for c in doc.get("countries") or []:
        code, why = c, reason
        if isinstance(c, Mapping):
            code = c.get("country")
            if "first_arrival" in c:
                if not c["first_arrival"]:
                    continue
                why = f"{reason}: above the threshold from {c['first_arrival']}"
                if c.get("constituent"):
                    why += f" ({c['constituent']})"
        if isinstance(code, str) and _ISO3.match(code):
            out.append((code, why))
    return out


def propose_recipients(
    db: Database,
    principal: Principal,
    *,
    establishment_id: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    scenarios: Sequence[dict[str, Any]] = (),
) -> Proposal:
    """Parties to notify, each with its reasons and the first contact of its escalation order."""
    from hazatlas.services.screen import Site, screen_sites

    prefill: dict[str, Any] = {}
    origin: str | None = None
    if establishment_id:
        est, full = RegisterService(db, principal).get(establishment_id)
        site = Site(est.id, est.lon, est.lat, est.country_iso3, est.receiving_water, est)
        origin = est.country_iso3
        prefill = {
            "place": {
                "description": est.name,
                "country": est.country_iso3,
                "lon": est.lon,
                "lat": est.lat,
                "establishment_id": est.id,
            },
            "substances": [
                {"name": i.substance_name, "cas": i.cas_number}
                for i in (est.inventory if full else [])
            ],
        }
    elif lon is not None and lat is not None:
        site = Site("point", float(lon), float(lat), None, None)
    else:
        raise ValidationError(
            [
                Problem(
                    "request", None, "establishment_id", "give an establishment id, or lon and lat"
                )
            ]
        )
    batch = screen_sites([site])
    result = batch.result(0)
    origin = origin or result.get("country")
    reasons: dict[str, list[str]] = {}
    via = ", ".join(s["river"] for s in result.get("schematic") or [])
    for d in result.get("downstream", []):
        hours = d.get("travel_time_h", {}).get("mean")
        reasons.setdefault(d["country"], []).append(
            f"downstream path: {d['river_km']:g} km"
            + (f", about {hours:g} h at mean flow" if hours is not None else "")
            + (f" (via the schematic reaches of the {via}: approximate)" if via else "")
        )
    for scenario in scenarios:
        for country, reason in scenario_countries(scenario):
            if reason not in reasons.setdefault(country, []):
                reasons[country].append(reason)
    reasons.pop(origin or "", None)
    basin = None
    r = int(batch.reach_index[0])
    if r >= 0:
        basin = (batch.network.attributes.get("basin") or [None] * (r + 1))[r]
    out: list[ProposedRecipient] = []
    with db.transaction() as s:
        if basin and result.get("downstream"):
            for name in store.basins(s):
                if name.lower() == str(basin).lower():
                    reasons[f"basin:{name}"] = [f"basin body of the {name} basin"]
        for party, why in reasons.items():
            order = store.escalation_order(s, party)
            out.append(
                {
                    "party": party,
                    "reasons": why,
                    "contact_id": order[0].id if order else None,
                    "in_directory": bool(order),
                }
            )
    return {
        "origin": origin,
        "basin": basin,
        "recipients": out,
        "prefill": prefill,
        "screening": result,
    }


class Proposals:
    """Proposed recipients, for authority users."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def propose(
        self,
        establishment_id: str | None = None,
        lon: float | None = None,
        lat: float | None = None,
        scenarios: Sequence[dict[str, Any]] = (),
    ) -> Proposal:
        """Recipients for an accident at an establishment or a point (see
        :func:`propose_recipients`)."""
        self.ctx.require_authority()
        return propose_recipients(
            self.ctx.db,
            self.ctx.principal,
            establishment_id=establishment_id,
            lon=lon,
            lat=lat,
            scenarios=scenarios,
        )

    def recipients_for(self, data: Any, source: str) -> list[str]:
        """The proposed parties that have a contact in the directory, for a report (the form
        of ``REPORT.json``) from its accident place (its establishment if the register has
        it, else its point) and the scenario it cites. ``source`` names the report in
        problems."""
        place = ((data.get("accident") or {}).get("place") or {}) if isinstance(data, dict) else {}
        if not (place.get("establishment_id") or place.get("lon") is not None):
            raise ValidationError(
                [
                    Problem(
                        source,
                        None,
                        "--to",
                        "give recipients with --to (the report has no place to propose them from)",
                    )
                ]
            )
        scenarios = []
        if isinstance(data.get("scenario_id"), str) and data["scenario_id"]:
            from hazatlas.services.notify.draft import read_scenario

            scenarios = [read_scenario(self.ctx, data["scenario_id"])]
        try:
            proposal = self.propose(place.get("establishment_id"), None, None, scenarios)
        except Exception:  # establishment not in this register: use the point
            proposal = self.propose(None, place.get("lon"), place.get("lat"), scenarios)
        parties = [r["party"] for r in proposal["recipients"] if r["in_directory"]]
        if not parties:
            raise ValidationError(
                [
                    Problem(
                        source,
                        None,
                        "--to",
                        "no proposed recipient has a contact in the directory; give --to",
                    )
                ]
            )
        return parties
