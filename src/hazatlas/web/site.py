"""The page of one hazardous activity: ``/sites/{id}``.

Everything on it comes from the services the API uses, for the user of the session
(:func:`hazatlas.web.render.page_principal`), so the disclosure rules of
:mod:`hazatlas.domain.access` apply as they do to ``/api/establishments/{id}``,
``.../classification``, ``.../screening`` and ``.../history``: a visitor sees the public fields,
the classification's public keys, the screening without WRI, THI and consequence class, and
history entries with confidential values withheld.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hazatlas.domain.access import WITHHELD, can_write
from hazatlas.domain.errors import NotFoundError
from hazatlas.services import assessments, geodata, ranking
from hazatlas.services.register import RegisterService
from hazatlas.web import i18n
from hazatlas.web.render import page_principal, render
from hazatlas.web.scenarios.listing import site_scenarios
from hazatlas.web.site_damage import damage_view

router = APIRouter(include_in_schema=False)

#: at most this many vertices of the downstream path are sent to the page (a line on a small map)
MAX_PATH_POINTS = 400


def downstream_line(reach_id: int | None) -> list[list[float]]:
    """``[lon, lat]`` vertices of the river from the receiving reach of the screening down to
    its outlet (the bundled network the screening uses), thinned to :data:`MAX_PATH_POINTS`."""
    if reach_id is None:
        return []
    from hazatlas.geo.network import RiverNetwork
    from hazatlas.geo.paths import downstream_path

    net = RiverNetwork.load_default()
    index = {int(r): i for i, r in enumerate(net.reach_id.tolist())}
    if reach_id not in index:
        return []
    coords = np.concatenate([np.asarray(net.geometry[i].coords)[:, :2]
                             for i in downstream_path(net, index[reach_id]).tolist()])
    step = max(1, -(-len(coords) // MAX_PATH_POINTS))
    kept = coords[::step]
    if len(coords) and (len(coords) - 1) % step:
        kept = np.vstack([kept, coords[-1:]])
    return [[round(float(x), 5), round(float(y), 5)] for x, y in kept]


def site_view(request: Request, establishment_id: str) -> dict[str, Any]:
    """Everything the page shows, as the session's user may see it."""
    principal = page_principal(request)
    db = request.app.state.db
    svc = RegisterService(db, principal)
    establishment, full = svc.get(establishment_id)
    screening = ranking.screening_for(db, principal, establishment_id)
    return {
        "e": establishment, "full": full,
        "classification": assessments.classification_for(db, principal, establishment_id),
        "screening": screening, "path": downstream_line(screening.get("reach_id")),
        "history": svc.history(establishment_id),
        "names": i18n.country_names(i18n.language_of(request), geodata.country_names(db)),
        "withheld_value": WITHHELD,
        "may_edit": can_write(principal, establishment.country_iso3, establishment.id),
        **site_scenarios(db, principal, establishment_id, full),
        **damage_view(db, principal, establishment, full),
    }


@router.get("/sites/{establishment_id}", response_class=HTMLResponse)
def site_page(establishment_id: str, request: Request) -> Response:
    return site_page_with(request, establishment_id)


def site_page_with(request: Request, establishment_id: str, status_code: int = 200,
                   **extra: Any) -> Response:
    """The page, with ``extra`` values for the template (a form's errors)."""
    try:
        view = site_view(request, establishment_id)
    except NotFoundError:
        return render(request, "site.html", status_code=404, e=None, missing=establishment_id)
    return render(request, "site.html", status_code=status_code,
                  saved=request.query_params.get("saved") == "1",
                  damage_saved=request.query_params.get("damage") == "1",
                  damage_assessed=request.query_params.get("assessed"), **{**view, **extra})
