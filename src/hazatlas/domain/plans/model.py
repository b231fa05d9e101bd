"""A joint contingency plan as plain values, and its JSON document (what each stored version
holds; see ``docs/plans.md`` for the keys).

A plan covers a river basin, a border area or a site (``area_kind``); its ``form`` is one of the
three forms of the UNECE checklist (ECE/CP.TEIA/34, publication summary): a plan adopted jointly,
national plans harmonised, or a stand-alone agreement. Each Party (ISO 3166-1 alpha-3) has a
state (:mod:`.lifecycle`); each section has an owning Party, text per language of the plan, the
element ids of ``data/reference/plan_elements.csv`` it addresses, and live links to the register
(establishments), stored scenarios, the directory's points of contact and the report types.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hazatlas.domain.errors import Problem, ValidationError


class AreaKind(StrEnum):
    BASIN = "basin"
    BORDER_AREA = "border_area"
    SITE = "site"


class PlanForm(StrEnum):
    """The three forms of a transboundary contingency plan (checklist elements F1-F3)."""

    JOINT_PLAN = "joint_plan"
    HARMONISED_NATIONAL_PLANS = "harmonised_national_plans"
    STANDALONE_AGREEMENT = "standalone_agreement"


FORM_ELEMENT = {PlanForm.JOINT_PLAN: "F1", PlanForm.HARMONISED_NATIONAL_PLANS: "F2",
                PlanForm.STANDALONE_AGREEMENT: "F3"}


class LinkKind(StrEnum):
    ESTABLISHMENT = "establishment"  # a register site in scope
    SCENARIO = "scenario"  # a stored model run
    CONTACT = "contact"  # a point of contact of the directory
    REPORT_TYPE = "report_type"  # a message template (domain.notification.ReportType)


#: The sections of a plan, in the order of the printed document (element groups of the list).
SECTION_KEYS = ("scope", "hazards_scenarios", "alerting_notification", "communication", "roles",
                "resources", "mutual_assistance", "public_information", "monitoring", "recovery",
                "exercises", "review")

_ISO3 = re.compile(r"^[A-Z]{3}$")
_LANG = re.compile(r"^[a-z]{2,3}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class Link:
    kind: LinkKind
    target: str
    note: str = ""

    def to_json(self) -> dict[str, str]:
        return {"kind": str(self.kind), "target": self.target, "note": self.note}


@dataclass(frozen=True)
class Section:
    key: str
    owner: str  # ISO3 of the Party that writes it
    public: bool = False
    text: dict[str, str] = field(default_factory=dict)  # language -> text
    covers: tuple[str, ...] = ()  # element ids of plan_elements.csv the text addresses
    links: tuple[Link, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "owner": self.owner, "public": self.public,
                "text": dict(sorted(self.text.items())), "covers": list(self.covers),
                "links": [lk.to_json() for lk in self.links]}


@dataclass(frozen=True)
class PartyState:
    """Where one Party stands: ``draft``, ``agreed`` or ``adopted`` (of ``version``)."""

    party: str
    state: str = "draft"
    version: int | None = None
    at: dt.datetime | None = None
    by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"party": self.party, "state": self.state, "version": self.version,
                "at": self.at.isoformat() if self.at else None, "by": self.by}


@dataclass(frozen=True)
class ReviewRequest:
    """A circumstance calling for a review before the review date (Art. 8(4))."""

    reason: str
    party: str
    at: dt.datetime
    by: str

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "party": self.party, "at": self.at.isoformat(),
                "by": self.by}


@dataclass(frozen=True)
class Plan:
    id: str
    title: str
    area_kind: AreaKind
    area: str
    form: PlanForm
    parties: tuple[str, ...]
    languages: tuple[str, ...]
    review_interval_months: int
    public: bool = False
    review_triggers: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    states: tuple[PartyState, ...] = ()
    version: int = 1
    adopted_version: int | None = None
    adopted_at: dt.datetime | None = None
    review_due_on: dt.date | None = None
    review_requests: tuple[ReviewRequest, ...] = ()

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise ValidationError([Problem("request", None, "section",
                                       f"unknown section {key!r}; expected one of "
                                       f"{', '.join(SECTION_KEYS)}")])

    def state_of(self, party: str) -> PartyState:
        for s in self.states:
            if s.party == party:
                return s
        raise ValidationError([Problem("request", None, "party",
                                       f"{party!r} is not a Party to plan '{self.id}' "
                                       f"(Parties: {', '.join(self.parties)})")])

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "area_kind": str(self.area_kind),
            "area": self.area, "form": str(self.form), "parties": list(self.parties),
            "languages": list(self.languages), "public": self.public,
            "review_interval_months": self.review_interval_months,
            "review_triggers": list(self.review_triggers), "version": self.version,
            "adopted_version": self.adopted_version,
            "adopted_at": self.adopted_at.isoformat() if self.adopted_at else None,
            "review_due_on": self.review_due_on.isoformat() if self.review_due_on else None,
            "review_requests": [r.to_json() for r in self.review_requests],
            "states": [s.to_json() for s in self.states],
            "sections": [s.to_json() for s in self.sections],
        }


def _when(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def plan_from_json(doc: dict[str, Any]) -> Plan:
    """The plan of a stored document (written by :meth:`Plan.to_json`)."""
    return Plan(
        id=doc["id"], title=doc["title"], area_kind=AreaKind(doc["area_kind"]), area=doc["area"],
        form=PlanForm(doc["form"]), parties=tuple(doc["parties"]),
        languages=tuple(doc["languages"]), public=bool(doc["public"]),
        review_interval_months=int(doc["review_interval_months"]),
        review_triggers=tuple(doc["review_triggers"]), version=int(doc["version"]),
        adopted_version=doc["adopted_version"], adopted_at=_when(doc["adopted_at"]),
        review_due_on=dt.date.fromisoformat(doc["review_due_on"]) if doc["review_due_on"] else None,
        review_requests=tuple(ReviewRequest(r["reason"], r["party"], dt.datetime.fromisoformat(r["at"]),
                                            r["by"]) for r in doc["review_requests"]),
        states=tuple(PartyState(s["party"], s["state"], s["version"], _when(s["at"]), s["by"])
                     for s in doc["states"]),
        sections=tuple(Section(s["key"], s["owner"], bool(s["public"]), dict(s["text"]),
                               tuple(s["covers"]),
                               tuple(Link(LinkKind(lk["kind"]), lk["target"], lk["note"])
                                     for lk in s["links"]))
                       for s in doc["sections"]),
    )


def _choice(problems: list[Problem], name: str, value: str, choices: type[StrEnum]) -> None:
    if value not in {str(c) for c in choices}:
        problems.append(Problem("request", None, name, f"{value!r} is not one of "
                                f"{', '.join(str(c) for c in choices)}"))


def new_plan(*, plan_id: str, title: str, area_kind: str, area: str, form: str,
             parties: list[str], languages: list[str], review_interval_months: int,
             public: bool = False, review_triggers: list[str] | None = None,
             owners: dict[str, str] | None = None) -> Plan:
    """A new draft (version 1) with every section empty, each owned by ``owners[key]`` or the
    first Party. Every problem of the input is reported at once (:class:`ValidationError`)."""
    problems: list[Problem] = []
    if not _ID.match(plan_id or ""):
        problems.append(Problem("request", None, "id", f"{plan_id!r}: expected 1-100 letters, "
                                "digits, '.', '_' or '-', starting with a letter or digit"))
    if not title.strip():
        problems.append(Problem("request", None, "title", "must not be empty"))
    if not area.strip():
        problems.append(Problem("request", None, "area", "must not be empty (the basin, border "
                                                         "area or site the plan covers)"))
    _choice(problems, "area_kind", area_kind, AreaKind)
    _choice(problems, "form", form, PlanForm)
    bad = [p for p in parties if not _ISO3.match(p)]
    if bad or len(set(parties)) < 2:
        problems.append(Problem("request", None, "parties",
                                f"expected at least two distinct ISO 3166-1 alpha-3 codes"
                                f"{' (not ' + ', '.join(map(repr, bad)) + ')' if bad else ''}"))
    if len(set(parties)) != len(parties):
        problems.append(Problem("request", None, "parties", "a Party is named twice"))
    bad_lang = [x for x in languages if not _LANG.match(x)]
    if not languages or bad_lang or len(set(languages)) != len(languages):
        problems.append(Problem("request", None, "languages",
                                "expected one or more distinct ISO 639 codes in lower case "
                                f"(e.g. ro, uk, en){'; not ' + ', '.join(bad_lang) if bad_lang else ''}"))
    if not 1 <= review_interval_months <= 120:
        problems.append(Problem("request", None, "review_interval_months",
                                f"{review_interval_months}: expected 1 to 120 months"))
    owners = owners or {}
    for key, owner in owners.items():
        if key not in SECTION_KEYS:
            problems.append(Problem("request", None, "owners", f"unknown section {key!r}"))
        elif owner not in parties:
            problems.append(Problem("request", None, "owners",
                                    f"section {key!r}: owner {owner!r} is not a Party"))
    if problems:
        raise ValidationError(problems)
    first = parties[0]
    return Plan(
        id=plan_id, title=title.strip(), area_kind=AreaKind(area_kind), area=area.strip(),
        form=PlanForm(form), parties=tuple(parties), languages=tuple(languages),
        review_interval_months=review_interval_months, public=public,
        review_triggers=tuple(t.strip() for t in review_triggers or () if t.strip()),
        sections=tuple(Section(k, owners.get(k, first)) for k in SECTION_KEYS),
        states=tuple(PartyState(p) for p in parties),
    )
