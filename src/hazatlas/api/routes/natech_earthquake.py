"""One earthquake scenario at the register's sites (docs/natech.md, "Earthquake scenario")."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hazatlas.api.deps import get_db, get_principal
from hazatlas.domain.access import Principal
from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.services import natech_earthquake as eq
from hazatlas.services.store import Database

router = APIRouter(prefix="/api/natech", tags=["natech"])

Db = Annotated[Database, Depends(get_db)]
User = Annotated[Principal, Depends(get_principal)]


def _problem(field: str, message: str) -> ValidationError:
    return ValidationError([Problem("parameter", None, field, message)])


@router.get("/earthquake", summary="Earthquake scenario: PGA at every site (GMPE), tank and "
            "dam results, the sites that fail together")
def earthquake(db: Db, user: User,
               magnitude: Annotated[float | None, Query(description="Mw (boatwright2003) or "
                                                        "Ms (singh1993)")] = None,
               lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
               lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
               depth: Annotated[float | None, Query(description="focal depth, km (default "
                                                    "10)")] = None,
               gmpe: Annotated[str | None, Query(max_length=40)] = None,
               scenario: Annotated[str | None, Query(max_length=60, description="a documented "
                                                     "scenario: vrancea-1977")] = None,
               establishment: Annotated[list[str] | None, Query(max_length=100)] = None,
               country: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None
               ) -> dict[str, Any]:
    if scenario is not None:
        if scenario not in eq.SCENARIOS:
            raise _problem("scenario", f"'{scenario}': expected one of "
                           f"{', '.join(eq.SCENARIOS)}")
        given = [k for k, v in (("magnitude", magnitude), ("lon", lon), ("lat", lat),
                                ("depth", depth)) if v is not None]
        if given:
            raise _problem(given[0], f"the scenario {scenario} sets the event: leave out "
                           f"{', '.join(given)}")
        s = eq.SCENARIOS[scenario]
        s = replace(s, gmpe=gmpe or s.gmpe)
    else:
        missing = [k for k, v in (("magnitude", magnitude), ("lon", lon), ("lat", lat))
                   if v is None]
        if missing:
            raise _problem(missing[0], f"give {', '.join(missing)} (or scenario)")
        assert magnitude is not None and lon is not None and lat is not None
        s = eq.Scenario(name="scenario", magnitude=magnitude, lon=lon, lat=lat,
                        depth_km=10.0 if depth is None else depth,
                        gmpe=gmpe or eq.DEFAULT_GMPE)
    return eq.run(db, user, s, establishment_ids=establishment or (), country=country)
