"""The result of identifying an establishment: Seveso III tier, Convention Annex I, location criteria.

A :class:`Classification` says what was decided and why: the tier, whether the establishment is a
hazardous activity under the UNECE Industrial Accidents Convention (with the Annex I version
used), the location-criteria flags, the three Seveso III note 4 sums for both tiers, each
substance's contribution and human-readable reasons. It carries the version of the rules that
produced it so that stored results can be recomputed when the rules change.

All these are plain slotted dataclasses rather than frozen ones, for speed: a frozen dataclass
is several times slower to build, and the register classifies 100,000 establishments at a time.
Treat them as immutable values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

#: The three Seveso III Annex I note 4 summation groups, in the Directive's order (a), (b), (c).
SUM_GROUPS: tuple[str, ...] = ("health", "physical", "environmental")


class SevesoTier(StrEnum):
    """Seveso III tier of an establishment (Directive 2012/18/EU Art. 3(2)-(3))."""

    NONE = "none"
    LOWER = "lower"
    UPPER = "upper"


@dataclass(slots=True)
class TierSums:
    """One note 4 sum, Σ q/Q, with Q from column 2 (``lower``) and column 3 (``upper``)."""

    lower: float = 0.0
    upper: float = 0.0


@dataclass(slots=True)
class Contribution:
    """One substance (all its lines added up, Seveso III note 4 point 1) and what it counts for.

    ``quantity_kg`` is the total of its lines; ``counted_kg`` what remains after the 2 % rule
    (note 3). ``lower_threshold_kg``/``upper_threshold_kg`` are the qualifying quantities it is
    compared with on its own (Part 2 entry, or the lowest of its Part 1 categories, note 6);
    ``None`` for the lower tier where the Directive gives only an upper-tier value (a dash), and
    for both when it has no Seveso category. ``group_ratios`` maps a summation group to
    ``(q/Q_lower, q/Q_upper)``.
    """

    substance_name: str
    cas_number: str | None
    seveso_entry: int | None
    categories: tuple[str, ...]
    category_source: str
    quantity_kg: float
    counted_kg: float
    lower_threshold_kg: float | None
    upper_threshold_kg: float | None
    group_ratios: dict[str, tuple[float, float]] = field(default_factory=dict)
    ignored_by_2_percent_rule: bool = False
    line_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "substance_name": self.substance_name,
            "cas_number": self.cas_number,
            "seveso_entry": self.seveso_entry,
            "categories": list(self.categories),
            "category_source": self.category_source,
            "quantity_kg": self.quantity_kg,
            "counted_kg": self.counted_kg,
            "lower_threshold_kg": self.lower_threshold_kg,
            "upper_threshold_kg": self.upper_threshold_kg,
            "groups": {g: {"lower": r[0], "upper": r[1]} for g, r in self.group_ratios.items()},
            "ignored_by_2_percent_rule": self.ignored_by_2_percent_rule,
            "line_ids": list(self.line_ids),
        }


@dataclass(slots=True)
class LocationFlag:
    """One location criterion of the UNECE Guidelines (decision 2000/3) and whether it is met.

    ``criterion_id`` is ``LC-AIR`` (within 15 km of a border) or ``LC-WATER`` (along or in the
    catchment of transboundary waters); ``categories`` the Seveso III categories present that
    the criterion concerns; ``distance_km`` and ``country_iso3`` the border distance and country
    that triggered the air criterion; ``water_body`` the transboundary water for the water one.
    """

    criterion_id: str
    pathway: str
    triggered: bool
    categories: tuple[str, ...]
    distance_km: float | None
    country_iso3: str | None
    water_body: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion_id": self.criterion_id,
            "pathway": self.pathway,
            "triggered": self.triggered,
            "categories": list(self.categories),
            "distance_km": self.distance_km,
            "country_iso3": self.country_iso3,
            "water_body": self.water_body,
            "reason": self.reason,
        }


@dataclass(slots=True)
class Classification:
    """Identification of one establishment (see the module docstring).

    ``not_classifiable`` names inventory lines that could not be classified (unknown substance
    with no categories, CLP classification or hazard statements): the tier is then a lower
    bound. ``unconfirmed`` lists the unconfirmed reference values the result relied on.
    ``location_assessed`` is False when no location inputs were given (then ``location_flags``
    is empty).
    """

    establishment_id: str
    seveso_tier: SevesoTier
    convention_hazardous_activity: bool
    annex_version: str
    sums: dict[str, TierSums]
    contributions: tuple[Contribution, ...]
    reasons: tuple[str, ...]
    rules_version: str
    location_flags: tuple[LocationFlag, ...] = ()
    location_assessed: bool = False
    not_classifiable: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()

    @property
    def transboundary_effects_possible(self) -> bool:
        """A Convention hazardous activity whose location meets a location criterion."""
        return self.convention_hazardous_activity and any(f.triggered for f in self.location_flags)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the ``hazatlas classify --json`` contract (plus extra keys)."""
        return {
            "establishment_id": self.establishment_id,
            "seveso_tier": str(self.seveso_tier),
            "convention_hazardous_activity": self.convention_hazardous_activity,
            "annex_version": self.annex_version,
            "sums": {g: {"lower": s.lower, "upper": s.upper} for g, s in self.sums.items()},
            "contributions": [c.to_dict() for c in self.contributions],
            "reasons": list(self.reasons),
            "location_assessed": self.location_assessed,
            "location_flags": [f.to_dict() for f in self.location_flags],
            "transboundary_effects_possible": self.transboundary_effects_possible,
            "not_classifiable": list(self.not_classifiable),
            "unconfirmed": list(self.unconfirmed),
            "rules_version": self.rules_version,
        }
