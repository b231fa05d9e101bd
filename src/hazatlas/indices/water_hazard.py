"""German water hazard classes (WGK) of substances, derived by the rules of the AwSV 2017.

The Verordnung ueber Anlagen zum Umgang mit wassergefaehrdenden Stoffen (AwSV, 18 April 2017,
BGBl. I S. 905) sorts substances into WGK 1 (slightly), WGK 2 (obviously) and WGK 3 (severely
hazardous to water), or "not hazardous to water" (nwg, here ``0``). A substance's class follows
from a points sum (Anlage 1 Nr. 4):

1. evaluation points of its CLP hazard statements (Nr. 4.2), with the table's precedence rules
   ("not in addition to"): a statement does not count when a statement it yields to is present;
2. precautionary points where test data are missing (Nr. 4.3);
3. the sum mapped to a class: 0-4 WGK 1, 5-8 WGK 2, more than 8 WGK 3 (Nr. 4.4).

All points, precedences and thresholds come from ``awsv_wgk_derivation.csv`` and
``awsv_wgk_thresholds.csv`` (confirmed against the text of the AwSV). Mixtures are in
:mod:`hazatlas.indices.water_hazard_mixture`.

>>> derive_wgk(["H301", "H311", "H411"]).wgk     # 3 + (H311 yields to H301) + 6 = 9 points
3
>>> derive_wgk(["H302", "H412"]).total_points
5
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from hazatlas.domain.reference import load_table

#: "not hazardous to water" (nicht wassergefaehrdend); WGK 1-3 are the integers 1-3.
WGK_NWG = 0

_DERIVATION = "awsv_wgk_derivation"
_THRESHOLDS = "awsv_wgk_thresholds"
_CODE_RE = re.compile(r"(?:EUH|H)\d{3}[A-Za-z]{0,2}")
_ENV_STATEMENTS = frozenset({"H400", "H410", "H411", "H412", "H413"})
# CLP reproductive-toxicity codes that combine two statements of the AwSV table.
_COMBINED = {
    "H360FD": ("H360F", "H360D"),
    "H360Fd": ("H360F", "H361d"),
    "H360Df": ("H360D", "H361f"),
    "H361fd": ("H361f", "H361d"),
}
# Unspecified reproductive codes: both AwSV readings give the same points (4 resp. 2).
_UNSPECIFIED = {"H360": "H360F", "H361": "H361f"}


@dataclass(frozen=True)
class StatementPoints:
    """One hazard statement in a derivation: its points and whether they count, and why."""

    statement: str
    points: int
    counted: bool
    reason: str


@dataclass(frozen=True)
class WgkDerivation:
    """A substance's water hazard class from its points (AwSV 2017 Anlage 1 Nr. 4).

    ``wgk`` is 1, 2 or 3; ``total_points`` = ``evaluation_points`` + ``precaution_points``;
    ``statements`` lists every tabled statement with the points it got; ``ignored`` the
    statements the table gives no points (e.g. H330, H225); ``reasons`` are sentences.
    """

    wgk: int
    total_points: int
    evaluation_points: int
    precaution_points: int
    statements: tuple[StatementPoints, ...]
    ignored: tuple[str, ...]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict."""
        d = asdict(self)
        d["statements"] = [asdict(s) for s in self.statements]
        d["ignored"] = list(self.ignored)
        d["reasons"] = list(self.reasons)
        return d


@dataclass(frozen=True)
class _Entry:
    points: int
    yields_to: frozenset[str]
    rank: int  # position in the CSV (the AwSV table order)


@functools.cache
def _points_table() -> dict[str, _Entry]:
    table: dict[str, _Entry] = {}
    for rank, row in enumerate(load_table(_DERIVATION)):
        if row["table"] != "evaluation_points":
            continue
        yields = frozenset(_CODE_RE.findall(row["remark"] or ""))
        table[row["item"]] = _Entry(int(row["points_or_class"]), yields, rank)
    return table


@functools.cache
def _precaution_table() -> dict[str, int]:
    rows = load_table(_DERIVATION)
    items = [r for r in rows if r["table"] == "precaution_points"]
    # Keys follow the order of AwSV Anlage 1 Nr. 4.3.1, 4.3.2, 4.3.3 a-d in the CSV.
    keys = ("no_tox_data", "no_env_data", "lc50_band_1", "lc50_band_2", "lc50_band_3", "lc50_above")
    return {k: int(r["points_or_class"]) for k, r in zip(keys, items, strict=True)}


@functools.cache
def threshold(item: str) -> float:
    """A number of ``awsv_wgk_thresholds.csv`` by its ``item`` key.

    >>> threshold("unclassified_default_wgk")
    3.0
    """
    for row in load_table(_THRESHOLDS):
        if row["item"] == item:
            return float(row["value"])
    raise KeyError(f"{item!r} is not an item of {_THRESHOLDS}.csv")


@functools.cache
def _class_bands() -> tuple[tuple[int, int], ...]:
    """(lowest points sum, WGK) pairs of AwSV Anlage 1 Nr. 4.4, ascending."""
    bands = []
    for row in load_table(_DERIVATION):
        if row["table"] != "wgk_from_sum":
            continue
        wgk = int(row["points_or_class"].split()[-1])
        m = re.match(r"sum (\d+)-(\d+)", row["item"])
        low = int(m.group(1)) if m else int(row["item"].split(">")[1]) + 1
        bands.append((low, wgk))
    return tuple(sorted(bands))


def wgk_from_points(total_points: int) -> int:
    """WGK for a points sum (AwSV 2017 Anlage 1 Nr. 4.4): 0-4 -> 1, 5-8 -> 2, > 8 -> 3.

    >>> [wgk_from_points(p) for p in (0, 4, 5, 8, 9)]
    [1, 1, 2, 2, 3]
    """
    wgk = _class_bands()[0][1]
    for low, cls in _class_bands():
        if total_points >= low:
            wgk = cls
    return wgk


def normalise_statements(statements: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split CLP codes into the statements of the AwSV table, with notes on what was done.

    Combined codes (``H300+H310``) are split; ``H360FD``, ``H360Fd``, ``H360Df`` and ``H361fd``
    become their two statements; unspecified ``H360``/``H361`` are read as ``H360F``/``H361f``
    (the same points as the D/d reading). ``H350i`` (carcinogenic by inhalation only) stays as
    it is and gets no points (AwSV Anlage 1, last sentence: substances acting only by inhalation
    get no points).

    >>> normalise_statements(["H300+H310", "H360Fd"])[0]
    ('H300', 'H310', 'H360F', 'H361d')
    """
    out: list[str] = []
    notes: list[str] = []
    for raw in statements:
        for part in str(raw).split("+"):
            code = part.strip()
            if not code:
                continue
            if code[:3].upper() == "EUH":
                code = "EUH" + code[3:]
            elif code[:1] == "h":
                code = "H" + code[1:]
            if code in _COMBINED:
                out.extend(_COMBINED[code])
                notes.append(f"{code} read as {' + '.join(_COMBINED[code])}")
            elif code in _UNSPECIFIED:
                out.append(_UNSPECIFIED[code])
                notes.append(f"{code} without F/D read as {_UNSPECIFIED[code]} (same points)")
            else:
                out.append(code)
    return tuple(dict.fromkeys(out)), tuple(notes)


def evaluation_points(statements: Iterable[str]) -> tuple[StatementPoints, ...]:
    """Points of each tabled hazard statement, with the precedence rules applied.

    AwSV 2017 Anlage 1 Nr. 4.2: a statement is "not considered in addition to" the statements
    in its precedence column, so it gets no points when one of them is present. Where two
    statements yield to each other (H341 and H351), the one earlier in the table counts.

    >>> [(s.statement, s.counted) for s in evaluation_points(["H301", "H310"])]
    [('H301', False), ('H310', True)]
    """
    table = _points_table()
    codes, _ = normalise_statements(statements)
    present = [s for s in codes if s in table]
    result = []
    for code in present:
        entry = table[code]
        blockers = [
            s
            for s in present
            if s in entry.yields_to
            and not (code in table[s].yields_to and entry.rank < table[s].rank)
        ]
        if blockers:
            reason = f"not in addition to {', '.join(blockers)} (AwSV Anlage 1 Nr. 4.2)"
            result.append(StatementPoints(code, entry.points, False, reason))
        else:
            result.append(StatementPoints(code, entry.points, True, "AwSV Anlage 1 Nr. 4.2"))
    return tuple(result)


def precaution_points(
    *,
    acute_tox_data: bool,
    environmental_data: bool,
    has_environmental_statement: bool,
    aquatic_lc50_mg_l: float | None = None,
    readily_biodegradable: bool = False,
    bioaccumulation_excluded: bool = False,
) -> tuple[int, tuple[str, ...]]:
    """Precautionary points for missing data (AwSV 2017 Anlage 1 Nr. 4.3) and the reasons.

    ``acute_tox_data``: tests on acute oral and dermal toxicity exist (else 4 points, Nr. 4.3.1).
    ``environmental_data``: tests on environmental effects exist (else 8 points, minus 2 when
    ready biodegradability is shown and bioaccumulation excluded, Nr. 4.3.2). When tests exist
    but gave no environmental hazard statement, the lowest acute aquatic L(E)C50 in mg/l
    (``aquatic_lc50_mg_l``) gives 8, 6, 4 or 2 points by Nr. 4.3.3 a-d.

    >>> precaution_points(acute_tox_data=False, environmental_data=False,
    ...                   has_environmental_statement=False)[0]
    12
    >>> precaution_points(acute_tox_data=True, environmental_data=True,
    ...                   has_environmental_statement=False, aquatic_lc50_mg_l=5.0)[0]
    6
    """
    p = _precaution_table()
    points = 0
    reasons: list[str] = []
    if not acute_tox_data:
        points += p["no_tox_data"]
        reasons.append(f"no acute oral/dermal toxicity data: +{p['no_tox_data']} (Nr. 4.3.1)")
    if not environmental_data:
        env = p["no_env_data"]
        if readily_biodegradable and bioaccumulation_excluded:
            env -= int(threshold("precaution_env_reduction"))
        points += env
        reasons.append(f"no environmental data: +{env} (Nr. 4.3.2)")
    elif not has_environmental_statement and aquatic_lc50_mg_l is not None:
        extra, rule = _lc50_points(
            aquatic_lc50_mg_l, readily_biodegradable, bioaccumulation_excluded
        )
        points += extra
        reasons.append(
            f"L(E)C50 {aquatic_lc50_mg_l:g} mg/l without env. statement: +{extra} ({rule})"
        )
    return points, tuple(reasons)


def _lc50_points(lc50_mg_l: float, biodegradable: bool, bioacc_excluded: bool) -> tuple[int, str]:
    p = _precaution_table()
    if lc50_mg_l <= threshold("precaution_lc50_band_1"):
        return (p["lc50_band_1"] if not (biodegradable and bioacc_excluded) else 0), "Nr. 4.3.3 a"
    if lc50_mg_l <= threshold("precaution_lc50_band_2"):
        return (p["lc50_band_2"] if not (biodegradable and bioacc_excluded) else 0), "Nr. 4.3.3 b"
    if lc50_mg_l <= threshold("precaution_lc50_band_3"):
        return (p["lc50_band_3"] if not biodegradable else 0), "Nr. 4.3.3 c"
    return (p["lc50_above"] if not (biodegradable or bioacc_excluded) else 0), "Nr. 4.3.3 d"


def derive_wgk(
    hazard_statements: Iterable[str],
    *,
    acute_tox_data: bool = True,
    environmental_data: bool = True,
    aquatic_lc50_mg_l: float | None = None,
    readily_biodegradable: bool = False,
    bioaccumulation_excluded: bool = False,
) -> WgkDerivation:
    """Water hazard class of a substance from its CLP hazard statements (AwSV 2017 Anlage 1 Nr. 4).

    The defaults assume the statements come from a classification based on test data, so no
    precautionary points are added; pass ``acute_tox_data=False`` or ``environmental_data=False``
    where data are missing (see :func:`precaution_points`). "Not hazardous to water" needs more
    than the points (Anlage 1 Nr. 2.1: solubility, biodegradability, ...), so a zero sum gives
    WGK 1 here.

    >>> d = derive_wgk(["H304", "H411", "H225"])
    >>> d.wgk, d.total_points, d.ignored
    (2, 7, ('H225',))
    """
    return _derive(
        tuple(hazard_statements),
        acute_tox_data,
        environmental_data,
        aquatic_lc50_mg_l,
        readily_biodegradable,
        bioaccumulation_excluded,
    )


@functools.lru_cache(maxsize=4096)
def _derive(
    hazard_statements: tuple[str, ...],
    acute_tox_data: bool,
    environmental_data: bool,
    aquatic_lc50_mg_l: float | None,
    readily_biodegradable: bool,
    bioaccumulation_excluded: bool,
) -> WgkDerivation:
    """Cached core of :func:`derive_wgk` (results are frozen, so sharing them is safe)."""
    codes, notes = normalise_statements(hazard_statements)
    terms = evaluation_points(codes)
    table = _points_table()
    ignored = tuple(c for c in codes if c not in table)
    eval_sum = sum(t.points for t in terms if t.counted)
    has_env = any(c in _ENV_STATEMENTS for c in codes)
    pre_sum, pre_reasons = precaution_points(
        acute_tox_data=acute_tox_data,
        environmental_data=environmental_data,
        has_environmental_statement=has_env,
        aquatic_lc50_mg_l=aquatic_lc50_mg_l,
        readily_biodegradable=readily_biodegradable,
        bioaccumulation_excluded=bioaccumulation_excluded,
    )
    total = eval_sum + pre_sum
    wgk = wgk_from_points(total)
    reasons = (
        *notes,
        *pre_reasons,
        f"{eval_sum} evaluation + {pre_sum} precautionary points = {total} -> WGK {wgk} "
        "(AwSV 2017 Anlage 1 Nr. 4.4)",
    )
    return WgkDerivation(wgk, total, eval_sum, pre_sum, terms, ignored, reasons)


def is_carcinogenic(hazard_statements: Iterable[str]) -> bool:
    """True if the statements make a substance carcinogenic in the sense of AwSV Anlage 1 Nr. 1.2.

    That is H350 (Carc. 1A/1B); ``H350i`` (by inhalation only) does not count.

    >>> is_carcinogenic(["H350"]), is_carcinogenic(["H350i"]), is_carcinogenic(["H351"])
    (True, False, False)
    """
    codes, _ = normalise_statements(hazard_statements)
    return "H350" in codes
