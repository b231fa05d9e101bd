"""Seveso III Part 1 categories from CLP hazard statements, CLP classes or stated categories.

Rules (Directive 2012/18/EU Annex I Part 1 and its notes; tables ``clp_hazard_statements.csv``
and ``clp_seveso3_category_map.csv``):

- H300, H310 and H330 are used by both Acute Tox. 1 (H1) and Acute Tox. 2 (H2). From hazard
  statements alone they are resolved to the stricter H1, and a note says so.
- Note 7: H301 / Acute Tox. 3 (oral) falls under H2 only when no acute inhalation or dermal
  classification can be derived; any acute-toxicity statement or class for the inhalation or
  dermal route (H310-H313, H330-H333) blocks it.
- Flammable liquids Cat. 2/3 (H225, H226) are P5c unless P5a/P5b are stated (those depend on
  process conditions); aerosols (H222, H223) are P3a unless P3b is stated (note 11.2 proof).

Each function returns the categories and the notes explaining choices; unknown codes raise
:class:`~hazatlas.rules.thresholds.LineError` naming the column.

>>> categories_from_hazard_statements(("H330", "H400"))[0]
('E1', 'H1')
>>> categories_from_hazard_statements(("H301",))[0], categories_from_hazard_statements(("H301", "H311"))[0]
(('H2',), ())
"""

from __future__ import annotations

import re

from hazatlas.rules.thresholds import LineError, catalogue, clp_key

_SHARED_ACUTE = ("H300", "H310", "H330")
_NOTE7_BLOCKERS = frozenset({"H310", "H311", "H312", "H313", "H330", "H331", "H332", "H333"})
_ROUTES = {
    "oral": "oral",
    "dermal": "dermal",
    "skin": "dermal",
    "inhalation": "inhalation",
    "inh": "inhalation",
    "inhal": "inhalation",
}
_ROUTE_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\((?P<route>[^)]*)\)\s*$")

Result = tuple[tuple[str, ...], tuple[str, ...]]


def _lookup_statement(code: str) -> str:
    statements = catalogue().hazard_statements
    if code in statements:
        return code
    matches = [known for known in statements if known.upper() == code.upper()]
    if len(matches) == 1:
        return matches[0]
    raise LineError(
        "hazard_statements",
        f"unknown hazard statement '{code}': expected a CLP/GHS code such as H330 or EUH014",
    )


def normalise_statements(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Known codes in their table spelling; combined codes ("H300+H310") are split.

    >>> normalise_statements(("h330", "H300+H310"))
    ('H330', 'H300', 'H310')
    """
    out: list[str] = []
    for code in codes:
        for part in code.split("+"):
            if part.strip():
                out.append(_lookup_statement(part.strip()))
    return tuple(out)


def categories_from_hazard_statements(codes: tuple[str, ...]) -> Result:
    """Part 1 categories (sorted) and notes for a line's CLP hazard statements."""
    table = catalogue().hazard_statements
    known = normalise_statements(codes)
    present = set(known)
    cats: set[str] = set()
    notes: list[str] = []
    for code in sorted(present):
        mapped = table[code].seveso_categories
        if code == "H301":
            blockers = sorted(present & _NOTE7_BLOCKERS)
            if blockers:
                notes.append(
                    f"H301 not counted under H2: an inhalation/dermal acute toxicity "
                    f"classification is given ({', '.join(blockers)}) (note 7)"
                )
                continue
            notes.append("H301 counted under H2: no inhalation or dermal classification (note 7)")
        if code in ("H225", "H226", "H222", "H223"):
            notes.append(f"{code}: {table[code].rule}")
        cats.update(mapped)
    shared = [code for code in _SHARED_ACUTE if code in present]
    if shared:
        notes.append(
            f"{', '.join(shared)} {'is' if len(shared) == 1 else 'are'} used by both Acute Tox. 1 "
            "and 2; resolved to the stricter H1 (state the CLP class or the category to use H2)"
        )
    return tuple(sorted(cats)), tuple(notes)


def _parse_clp(text: str) -> tuple[str, tuple[str, ...]]:
    """(lookup key, routes) of one CLP class string; routes empty when none is given."""
    classes = catalogue().clp_classes
    key = clp_key(text)
    if (key, "") in classes:
        return key, ()
    match = _ROUTE_SUFFIX.match(text)
    if not match:
        return key, ()
    routes: list[str] = []
    for part in re.split(r"[/,;]|\band\b", match.group("route").lower()):
        word = part.strip().rstrip(".")
        if not word:
            continue
        if word not in _ROUTES:
            raise LineError(
                "clp_classification",
                f"unknown exposure route '{word}' in '{text}': expected oral, dermal or inhalation",
            )
        routes.append(_ROUTES[word])
    return clp_key(match.group("name")), tuple(routes)


def categories_from_clp(classes_text: tuple[str, ...]) -> Result:
    """Part 1 categories (sorted) and notes for a line's CLP classification strings."""
    classes = catalogue().clp_classes
    parsed = [(text, *_parse_clp(text)) for text in classes_text]
    acute_routes = {r for _, key, routes in parsed if key.startswith("acute tox") for r in routes}
    cats: set[str] = set()
    notes: list[str] = []
    for text, key, routes in parsed:
        if (key, "") in classes:
            cats.update(classes[(key, "")].seveso_categories)
            continue
        if (key, "any") in classes:
            cats.update(classes[(key, "any")].seveso_categories)
            continue
        if not any(k == key for k, _ in classes):
            raise LineError(
                "clp_classification",
                f"unknown CLP hazard class/category '{text}': expected a CLP code such as "
                "'Acute Tox. 2 (inhalation)', 'Flam. Liq. 1' or 'Aquatic Chronic 2'",
            )
        if not routes:
            raise LineError(
                "clp_classification",
                f"'{text}' needs its exposure route, e.g. '{text} (inhalation)' "
                "(oral, dermal or inhalation)",
            )
        for route in routes:
            if route == "oral" and key == "acute tox 3":
                if acute_routes & {"dermal", "inhalation"}:
                    notes.append(
                        "Acute Tox. 3 (oral) not counted under H2: an inhalation/dermal "
                        "classification is given (note 7)"
                    )
                    continue
                notes.append(
                    "Acute Tox. 3 (oral) counted under H2: no inhalation or dermal "
                    "classification (note 7)"
                )
            cats.update(classes[(key, route)].seveso_categories)
    return tuple(sorted(cats)), tuple(notes)


def stated_categories(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Part 1 category codes stated by the user, in table spelling (sorted).

    >>> stated_categories(("p5a", "E1"))
    ('E1', 'P5a')
    """
    by_upper = catalogue().category_by_upper_code
    out: set[str] = set()
    for code in codes:
        known = by_upper.get(code.strip().upper())
        if known is None:
            raise LineError(
                "seveso_categories",
                f"unknown Seveso III Part 1 category '{code}': expected one of "
                + ", ".join(catalogue().categories),
            )
        out.add(known)
    return tuple(sorted(out))
