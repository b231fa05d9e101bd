"""What changed between two versions of a plan: per section, per language (a unified diff of
the text), and the section's owner, visibility, covered elements and links; and the plan's
Party states."""

from __future__ import annotations

import difflib
from typing import Any

from hazatlas.domain.plans.model import Plan, Section


def _section_changes(old: Section, new: Section) -> dict[str, Any] | None:
    texts = []
    for lang in sorted(set(old.text) | set(new.text)):
        a, b = old.text.get(lang), new.text.get(lang)
        if a == b:
            continue
        change = "added" if a is None else "removed" if b is None else "changed"
        lines = list(difflib.unified_diff((a or "").splitlines(), (b or "").splitlines(),
                                          f"{old.key}/{lang}", f"{new.key}/{lang}", lineterm=""))
        texts.append({"language": lang, "change": change, "diff": lines})
    old_links = {(str(lk.kind), lk.target) for lk in old.links}
    new_links = {(str(lk.kind), lk.target) for lk in new.links}
    out: dict[str, Any] = {
        "section": new.key, "text": texts,
        "links_added": [{"kind": k, "target": t} for k, t in sorted(new_links - old_links)],
        "links_removed": [{"kind": k, "target": t} for k, t in sorted(old_links - new_links)],
        "covers_added": sorted(set(new.covers) - set(old.covers)),
        "covers_removed": sorted(set(old.covers) - set(new.covers)),
    }
    if old.owner != new.owner:
        out["owner"] = [old.owner, new.owner]
    if old.public != new.public:
        out["public"] = [old.public, new.public]
    if texts or any(out[k] for k in ("links_added", "links_removed", "covers_added",
                                     "covers_removed")) or "owner" in out or "public" in out:
        return out
    return None


def diff(old: Plan, new: Plan) -> dict[str, Any]:
    """``{"plan_id", "from_version", "to_version", "sections": [...], "states": [...]}``; a
    section appears only if it changed."""
    olds = {s.key: s for s in old.sections}
    sections = []
    for s in new.sections:
        change = _section_changes(olds.get(s.key, Section(s.key, s.owner)), s)
        if change:
            sections.append(change)
    old_states = {s.party: s.state for s in old.states}
    states = [{"party": s.party, "from": old_states.get(s.party), "to": s.state}
              for s in new.states if old_states.get(s.party) != s.state]
    return {"plan_id": new.id, "from_version": old.version, "to_version": new.version,
            "sections": sections, "states": states}
