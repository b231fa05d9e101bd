"""What a plan still lacks, per section, against the element list (``plan_elements``: rows of
element id, section, element, content, the link an element asks for, source and status).

The list is data (``data/reference/plan_elements.csv``), built from the Convention (Art. 8, 10,
11, 12, 17; Annexes V, VII, VIII, IX, X), the Water Convention implementation guide (paras
206-216), Seveso II Annex IV and EU Decision 2014/896/EU. The UNECE checklist (ECE/CP.TEIA/34)
could not be read item by item: its questions can be added as rows (section, element id, status
``confirmed``) without code. Rows whose status is ``not found`` are not checked.

A section is complete when its text exists in every language of the plan, it says which
elements it addresses (``covers``) and addresses all of them, and it holds a link of each kind
its elements ask for (e.g. the scope's establishments, the scenarios of the hazards section).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hazatlas.domain.plans.model import FORM_ELEMENT, SECTION_KEYS, Plan

NOT_CHECKED = frozenset({"not found"})


def check(plan: Plan, elements: Iterable[Mapping[str, str]]) -> dict[str, Any]:
    """``{"complete": bool, "form_element": id, "sections": [{"section", "owner", "complete",
    "missing_elements": [{"element_id", "element", "status"}], "missing_languages": [...],
    "missing_links": [...], "unknown_elements": [...]}], "unconfirmed_elements": [...]}``."""
    rows = [r for r in elements if r["status"] not in NOT_CHECKED and r["section"] in SECTION_KEYS]
    by_section: dict[str, list[Mapping[str, str]]] = {k: [] for k in SECTION_KEYS}
    for r in rows:
        by_section[r["section"]].append(r)
    out = []
    for section in plan.sections:
        wanted = by_section.get(section.key, [])
        ids = {r["element_id"] for r in wanted}
        missing = [{"element_id": r["element_id"], "element": r["element"], "status": r["status"]}
                   for r in wanted if r["element_id"] not in section.covers]
        langs = [lang for lang in plan.languages if not section.text.get(lang, "").strip()]
        kinds = sorted({r["needs_link"] for r in wanted if r.get("needs_link")})
        have = {str(lk.kind) for lk in section.links}
        links = [k for k in kinds if k not in have]
        unknown = sorted(set(section.covers) - ids)
        out.append({"section": section.key, "owner": section.owner,
                    "complete": not (missing or langs or links or unknown),
                    "missing_elements": missing, "missing_languages": langs,
                    "missing_links": links, "unknown_elements": unknown})
    return {"plan_id": plan.id, "version": plan.version,
            "complete": all(s["complete"] for s in out),
            "form_element": FORM_ELEMENT[plan.form], "sections": out,
            "unconfirmed_elements": sorted(r["element_id"] for r in rows
                                           if r["status"] != "confirmed")}
