"""Information to the public about a hazardous activity (issue 17, item 5): the sections of the
page, where each comes from in the law, and the page's life (draft, published, changed).

The sections follow **Annex VIII of the UNECE Convention on the Transboundary Effects of
Industrial Accidents** ("Information to the public pursuant to Article 9", paragraphs 1-11,
text of the Convention, Helsinki 1992) and, for the EU and candidate countries, **Annex V of the
Seveso III Directive 2012/18/EU** ("Items of information to the public as provided for in
Article 14(1) and in point (a) of Article 14(2)", Part 1 for every establishment, Part 2 for
upper-tier ones). Article 9(2) of the Convention asks that the public of an affected Party be
given the same opportunity as the public of the Party of origin: a page is kept for each
audience country (the site's own, and each neighbour the stored screening says an accident could
reach), in its language.

The numbering of Annex VIII paragraphs 3-11 was read from the Convention text; paragraphs 1-2
and the Seveso III Annex V item numbers are cited from the published texts and were not re-read
for this module (``docs/public-information.md`` says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hazatlas.domain.errors import Problem, ValidationError


@dataclass(frozen=True)
class Element:
    key: str
    heading: str  # an English msgid, translated into the page's language
    source: str
    required: bool  # publication is refused while a required section is empty


ELEMENTS: tuple[Element, ...] = (
    Element("activity", "The hazardous activity",
            "Convention Annex VIII paras 1-2; Seveso III Annex V Part 1 items 1-3", True),
    Element("substances", "Dangerous substances",
            "Convention Annex VIII para 3; Seveso III Annex V Part 1 item 4", True),
    Element("accident", "What kind of accident could happen",
            "Convention Annex VIII para 5; Seveso III Annex V Part 2 item 1", True),
    Element("warning", "How you will be warned",
            "Convention Annex VIII para 6; Seveso III Annex V Part 1 item 5", True),
    Element("behaviour", "What to do in an accident",
            "Convention Annex VIII para 7; Seveso III Annex V Part 1 item 5", True),
    Element("plan", "The emergency plan",
            "Convention Annex VIII paras 8-9; Seveso III Annex V Part 2 items 2-3", False),
    Element("transboundary", "Effects across the border",
            "Convention Art. 9(2); Seveso III Annex V Part 2 item 4", False),
    Element("further_information", "Where to find more information",
            "Convention Annex VIII para 11; Seveso III Annex V Part 1 item 7", True),
)
KEYS = tuple(e.key for e in ELEMENTS)
MAX_SECTION = 20_000


def element(key: str) -> Element:
    for e in ELEMENTS:
        if e.key == key:
            return e
    raise KeyError(key)


def check_edit(texts: Mapping[str, object]) -> dict[str, str]:
    """The sections an authority rewrites: known keys, text of at most :data:`MAX_SECTION`
    characters (empty: the section is left blank).

    >>> check_edit({"warning": " Sirens, then SMS. "})
    {'warning': 'Sirens, then SMS.'}
    """
    problems = []
    out = {}
    if not texts:
        problems.append(Problem("request", None, "sections", "name at least one section to edit"))
    for key, value in texts.items():
        if key not in KEYS:
            problems.append(Problem("request", None, f"sections.{key}",
                                    f"{key!r} is not one of {', '.join(KEYS)}"))
        elif not isinstance(value, str):
            problems.append(Problem("request", None, f"sections.{key}", "must be text"))
        elif len(value) > MAX_SECTION:
            problems.append(Problem("request", None, f"sections.{key}",
                                    f"has {len(value)} characters; at most {MAX_SECTION}"))
        else:
            out[key] = value.strip()
    if problems:
        raise ValidationError(problems)
    return out


def missing_for_publication(sections: Mapping[str, str]) -> list[str]:
    """The required sections still empty.

    >>> missing_for_publication({k: "x" for k in KEYS if k != "warning"})
    ['warning']
    """
    return [e.key for e in ELEMENTS if e.required and not (sections.get(e.key) or "").strip()]


def status(draft_version: int, published_version: int | None) -> str:
    """``draft`` (never published), ``published`` (the public reads the draft as it is) or
    ``changed`` (edited since it was published: the public reads the published version).

    >>> status(1, None), status(2, 2), status(3, 2)
    ('draft', 'published', 'changed')
    """
    if published_version is None:
        return "draft"
    return "published" if published_version == draft_version else "changed"
