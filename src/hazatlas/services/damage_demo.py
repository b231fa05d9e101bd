"""The demo's damage events (``data/demo/damage_events.csv``), recorded by ``hazatlas demo``
through :class:`hazatlas.services.damage.DamageService` (audited) once per site and source.

The file holds **demo records**, not reported events: each says so in its source and notes (no
damage event with a checked public source is bundled; ``docs/natech.md``, "Damage events")."""

from __future__ import annotations

import csv

from hazatlas.domain.access import Principal
from hazatlas.domain.reference import data_path
from hazatlas.services.damage import DamageService
from hazatlas.services.store import Database


def seed_demo_events(db: Database, principal: Principal) -> int:
    """Record the demo's damage events not recorded yet; how many were added."""
    svc = DamageService(db, principal)
    added = 0
    with data_path("demo", "damage_events.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            known = svc.for_site(row["establishment_id"])
            if any(ev["source"] == row["source"] for ev in known):
                continue
            svc.add(row["establishment_id"], {
                **{k: row[k] or None for k in ("occurred_on", "cause", "hazard_type", "extent",
                                                "source", "source_url", "reliability", "notes")},
                "affected_units": [u for u in row["affected_units"].split(";") if u],
                "confidential": row["confidential"].strip().lower() == "true"}, context="demo")
            added += 1
    return added
