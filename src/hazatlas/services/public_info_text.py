"""The generated text of a page of information to the public (``docs/public-information.md``):
from the register's public fields, the hazard classes of the stored identification (never a
substance's name, CAS number or quantity unless the site is public, and never a quantity), the
stored screening's downstream countries and the public plans that link the site. Every
sentence is a message of the ``hazatlas`` catalogues, translated into the page's language
(:func:`hazatlas.formats.i18n.tr`); the authority reviews and edits the text before publishing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hazatlas.domain.establishment import Disclosure, Establishment
from hazatlas.domain.public_info import ELEMENTS
from hazatlas.formats.i18n import tr


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention for "mark, do not translate"
    return msgid


#: Seveso III Annex I Part 1 sections (the first letter of a category code: H2, P5c, E1, O2)
GROUPS = {"H": N_("health hazards (toxic substances)"),
          "P": N_("physical hazards (flammable, explosive or oxidising substances)"),
          "E": N_("hazards to the aquatic environment"),
          "O": N_("other hazards (substances reacting violently with water or releasing toxic gas)")}
NAMED = N_("named dangerous substances of the Seveso III Directive (Annex I, Part 2)")
EFFECTS = {"H": N_("a release of toxic gas or liquid"), "P": N_("a fire or an explosion"),
           "E": N_("pollution of rivers, lakes or groundwater"),
           "O": N_("a dangerous reaction releasing toxic gas")}


@dataclass
class Facts:
    """What the text is written from, all of it public or general."""

    establishment: Establishment
    country_name: str
    audience_iso3: str
    audience_name: str
    seveso_tier: str | None = None
    convention_activity: bool = False
    groups: list[str] = field(default_factory=list)  # category letters, e.g. ["E", "H"]
    named_substances: bool = False
    codes: list[str] = field(default_factory=list)  # Seveso categories, e.g. ["E1", "H2"]
    substance_names: list[str] = field(default_factory=list)  # public sites only
    river: str | None = None
    downstream: list[str] = field(default_factory=list)  # foreign country names
    # public plans linking the site: {"id", "title", "sections": {key: {language: text}}}
    plans: list[dict[str, Any]] = field(default_factory=list)
    site_url: str = ""


def _join(items: Sequence[str]) -> str:
    return "; ".join(items)


def _activity(lang: str, f: Facts) -> str:
    e = f.establishment
    out = [tr(lang, "{name} is operated by {operator} in {country}.", name=e.name,
              operator=e.operator, country=f.country_name) if e.operator else
           tr(lang, "{name} is in {country}.", name=e.name, country=f.country_name)]
    out.append(tr(lang, "It is a tailings management facility.") if str(e.kind) == "tailings"
               else tr(lang, "It is an industrial establishment."))
    if f.seveso_tier == "upper":
        out.append(tr(lang, "It is an upper-tier establishment under the Seveso III Directive."))
    elif f.seveso_tier == "lower":
        out.append(tr(lang, "It is a lower-tier establishment under the Seveso III Directive."))
    if f.convention_activity:
        out.append(tr(lang, "It is a hazardous activity under Annex I of the UNECE Convention "
                            "on the Transboundary Effects of Industrial Accidents."))
    return " ".join(out)


def _substances(lang: str, f: Facts) -> str:
    classes = [tr(lang, GROUPS[g]) for g in f.groups if g in GROUPS]
    if f.named_substances:
        classes.append(tr(lang, NAMED))
    if not classes:
        return tr(lang, "The register records no dangerous substance of the Seveso III "
                        "categories at this site.")
    out = [tr(lang, "The site holds dangerous substances of these hazard classes: {classes}.",
              classes=_join(classes))]
    if f.codes:
        out.append(tr(lang, "Seveso III categories: {codes}.", codes=", ".join(f.codes)))
    if f.substance_names:
        out.append(tr(lang, "Substances: {names}.", names=", ".join(f.substance_names)))
    out.append(tr(lang, "Quantities are not given on this page."))
    return " ".join(out)


def _accident(lang: str, f: Facts) -> str:
    effects = [tr(lang, EFFECTS[g]) for g in f.groups if g in EFFECTS]
    out = []
    if effects:
        out.append(tr(lang, "An accident at the site could cause: {effects}.",
                      effects=_join(effects)))
    if f.river and f.downstream:
        out.append(tr(lang, "Water from the site flows into {river} and on to {countries}.",
                      river=f.river, countries=", ".join(f.downstream)))
    elif f.river:
        out.append(tr(lang, "Water from the site flows into {river}.", river=f.river))
    return " ".join(out)


def _plan_text(lang: str, f: Facts, section: str) -> list[str]:
    """The text of a public section of the plans covering the site, in ``lang``."""
    return [text for p in f.plans
            if (text := (p.get("sections", {}).get(section) or {}).get(lang))]


def _warning(lang: str, f: Facts) -> str:
    return "\n\n".join(_plan_text(lang, f, "alerting_notification")
                       + _plan_text(lang, f, "public_information"))


def _behaviour(lang: str, f: Facts) -> str:
    out = [tr(lang, "If you hear the warning: go indoors and stay there, close doors and "
                    "windows, switch off ventilation and air conditioning, and follow the "
                    "instructions of the emergency services on radio, television or by "
                    "loudspeaker.")]
    if "E" in f.groups or f.river:
        out.append(tr(lang, "Do not use water from the river or wells near it for drinking, "
                            "watering or livestock until the authorities say it is safe."))
    out.append(tr(lang, "Do not go to the site and do not use the telephone except in an "
                        "emergency."))
    return " ".join(out)


def _plan(lang: str, f: Facts) -> str:
    titles = sorted({p["title"] for p in f.plans})
    if not titles:
        return ""
    return tr(lang, "The site is covered by the contingency plan: {titles}.",
              titles="; ".join(titles))


def _transboundary(lang: str, f: Facts) -> str:
    e = f.establishment
    if f.audience_iso3 != e.country_iso3:
        return tr(lang, "The site is in {country}. An accident there could affect {audience}: "
                        "this page informs the public of {audience} as the public of {country} "
                        "is informed (Article 9(2) of the Convention).",
                  country=f.country_name, audience=f.audience_name)
    if f.downstream:
        return tr(lang, "An accident could affect {countries}; their public is informed in its "
                        "own language.", countries=", ".join(f.downstream))
    return ""


def _further(lang: str, f: Facts) -> str:
    return tr(lang, "The entry of the site in the public register: {url}. The national "
                    "authority of {country} answers questions about it.",
              url=f.site_url, country=f.country_name)


_WRITERS = {"activity": _activity, "substances": _substances, "accident": _accident,
            "warning": _warning, "behaviour": _behaviour, "plan": _plan,
            "transboundary": _transboundary, "further_information": _further}


def sections(lang: str, facts: Facts) -> dict[str, str]:
    """The text of every section of :data:`ELEMENTS` in ``lang`` (``""``: nothing to say from
    the data; the authority writes it)."""
    return {el.key: _WRITERS[el.key](lang, facts) for el in ELEMENTS}


def headings(lang: str) -> dict[str, str]:
    return {el.key: tr(lang, el.heading) for el in ELEMENTS}


def public_names(e: Establishment) -> list[str]:
    """Substance names the page may give: a public record's common names (Annex VIII para 3);
    none for a confidential one."""
    if Disclosure(e.disclosure) is not Disclosure.PUBLIC:
        return []
    return sorted({item.substance_name for item in e.inventory})
