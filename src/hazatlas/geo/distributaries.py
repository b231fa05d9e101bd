"""Bifurcations of the bundled network: the branches of the Danube Delta and their shares.

The network is a tree (one ``downstream`` reach per reach), so a fork is represented by the
rows of ``river_distributaries.csv``: at each fork reach one **main** branch, the reach the
fork's ``next_down`` leads to (the downstream path of spills and screening follows it), and one
or more **distributaries**, whose head reach has no upstream reach in the tree. Each row gives
the branch's share of the river's discharge (``share_of_river``, with its source and status);
a branch's share of the fork reach's own discharge is ``share_of_river / share of the fork``
(the fork's share is that of the row whose branch is the fork reach, 1 for the undivided river).
The Danube Delta: at Ceatal Izmail the Chilia (Kiliya) branch takes 0.59, the Tulcea branch
0.41; below Tulcea at Ceatal Sf. Gheorghe the Tulcea branch splits into the Sulina (0.19,
main: the river-km line ends at Sulina) and the Sfântu Gheorghe (0.22).

The table also mends Natural Earth's topology where the branch needs it (``reverse_geometry``:
the Chilia's first reach is drawn from Izmail *up* to the fork; ``next_down``: where it then
flows) and names the branch head (Natural Earth names the Tulcea branch "Bratul Chillia").

Rules (``docs/screening.md``, "Bifurcations"):

* **Discharge** (:func:`split_discharges`): the tree's discharges are computed first (a branch
  head then carries the fork's whole flow on the main branch and nothing from the fork on a
  distributary); then, fork by fork from upstream, the flow and the inflow of every reach from
  the branch head to its outlet are shifted by ``(branch share - 1) x Q_fork`` on the main
  branch and by ``branch share x Q_fork`` on a distributary (discharges add up along a path, so
  the shift is exact), stopping at a gauged reach, which keeps its gauged value. The drainage
  length used by the plausibility check is shifted the same way with the fork's length, so the
  branches keep the fork's yield per km. Low, mean and high flow are each split with the
  same shares (no published low- or high-flow shares were found).
* **Spill and screening** follow the main branch (the fork's ``next_down``). A branch carries its
  share of the water *and* of the mass, so the concentration in each branch is the one at the
  fork; the spill model's diluting discharge is the running maximum along the path
  (``docs/models/river.md``), so the fall of discharge at the fork does not concentrate the
  cloud, while the branch's velocity and dispersion come from the branch's own discharge. The
  countries of a distributary that the main branch does not pass are not traced; in the Danube
  Delta both banks of the Chilia (Romania, Ukraine) are already on the path above the fork.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely  # type: ignore[import-untyped]

from hazatlas.domain.errors import Problem, ValidationError
from hazatlas.domain.reference import load_table

TABLE = "river_distributaries.csv"
KINDS = ("main", "distributary")
#: tolerance on the sum of the branch shares at a fork (the table's shares are rounded)
SHARE_TOLERANCE = 0.005


@dataclass(frozen=True)
class Branch:
    """One row of ``river_distributaries.csv``."""

    row: int  # row of the table as a spreadsheet counts it (header = row 1)
    river: str
    fork_reach_id: int
    branch_reach_id: int
    kind: str  # "main" | "distributary"
    branch: str  # name given to the branch head reach
    reverse_geometry: bool
    next_down: int | None
    share_of_river: float
    status: str
    source: str


def _problem(row: int, field: str, message: str) -> Problem:
    return Problem(TABLE, row, field, message)


def parse(rows: Sequence[Mapping[str, str]]) -> tuple[Branch, ...]:
    """The rows as :class:`Branch` values; raises :class:`ValidationError` naming every bad
    row and field (all or nothing)."""
    out: list[Branch] = []
    problems: list[Problem] = []
    for n, r in enumerate(rows, start=2):  # header = row 1
        bad = len(problems)
        ids: dict[str, int] = {}
        for field in ("fork_reach_id", "branch_reach_id"):
            try:
                ids[field] = int(r.get(field) or "")
            except ValueError:
                problems.append(_problem(n, field, f"{r.get(field)!r}: expected a reach id"))
        kind = r.get("kind") or ""
        if kind not in KINDS:
            problems.append(_problem(n, "kind", f"{kind!r}: expected main or distributary"))
        rev = (r.get("reverse_geometry") or "").strip()
        if rev not in ("yes", "no"):
            problems.append(_problem(n, "reverse_geometry", f"{rev!r}: expected yes or no"))
        nd: int | None = None
        if (r.get("next_down") or "").strip():
            try:
                nd = int(r["next_down"])
            except ValueError:
                problems.append(
                    _problem(n, "next_down", f"{r['next_down']!r}: expected a reach id")
                )
            if kind == "main":
                problems.append(_problem(n, "next_down", "a main branch keeps its next_down"))
        try:
            share = float(r.get("share_of_river") or "")
            if not 0.0 < share < 1.0:
                raise ValueError
        except ValueError:
            problems.append(
                _problem(
                    n, "share_of_river", f"{r.get('share_of_river')!r}: expected 0 < share < 1"
                )
            )
            share = float("nan")
        if not (r.get("source") or "").strip():
            problems.append(_problem(n, "source", "every share needs its source"))
        if len(problems) == bad:
            out.append(
                Branch(n, r.get("river") or "", ids["fork_reach_id"], ids["branch_reach_id"],
                       kind, (r.get("branch") or "").strip(), rev == "yes", nd, share,
                       r.get("status") or "", r.get("source") or "")
            )  # fmt: skip
    if not problems:
        problems = _fork_problems(out)
    if problems:
        raise ValidationError(problems)
    return tuple(out)


def _fork_problems(branches: Sequence[Branch]) -> list[Problem]:
    problems = []
    share_of = {b.branch_reach_id: b.share_of_river for b in branches}
    forks: dict[int, list[Branch]] = {}
    for b in branches:
        forks.setdefault(b.fork_reach_id, []).append(b)
    for fork, rows in forks.items():
        mains = [b for b in rows if b.kind == "main"]
        if len(mains) != 1:
            problems.append(
                _problem(rows[0].row, "kind", f"fork reach {fork} has {len(mains)} main branches, "
                         "expected exactly one")
            )  # fmt: skip
        total = sum(b.share_of_river for b in rows)
        expected = share_of.get(fork, 1.0)
        if abs(total - expected) > SHARE_TOLERANCE:
            problems.append(
                _problem(rows[0].row, "share_of_river", f"the branches of fork reach {fork} "
                         f"add up to {total:.3f}, expected the fork's share {expected:.3f}")
            )  # fmt: skip
    return problems


@functools.cache
def bundled_branches() -> tuple[Branch, ...]:
    """The rows of the packaged ``river_distributaries.csv``."""
    return parse(load_table("river_distributaries"))


def relative_share(branches: Sequence[Branch], b: Branch) -> float:
    """Share of the fork reach's own discharge that goes into branch ``b``."""
    fork_share = {x.branch_reach_id: x.share_of_river for x in branches}.get(b.fork_reach_id, 1.0)
    return b.share_of_river / fork_share


def apply_to_features(
    features: Sequence[tuple[Mapping[str, Any], Any]], branches: Sequence[Branch]
) -> tuple[list[tuple[dict[str, Any], Any]], dict[str, tuple[Any, ...]]]:
    """Features with the table's topology mends, and the attributes ``branch_of`` (fork reach
    id, 0 if the reach heads no branch) and ``branch_share`` (share of the fork's discharge,
    NaN) per feature. Raises :class:`ValidationError` if a row does not fit the features."""
    feats = [(dict(p), g) for p, g in features]
    at = {int(p["reach_id"]): i for i, (p, _) in enumerate(feats)}
    problems = []
    branch_of = [0] * len(feats)
    share = [float("nan")] * len(feats)
    for b in branches:
        missing = [
            (f, v) for f, v in (("fork_reach_id", b.fork_reach_id),
                                ("branch_reach_id", b.branch_reach_id), ("next_down", b.next_down))
            if v is not None and v not in at
        ]  # fmt: skip
        for field, value in missing:
            problems.append(_problem(b.row, field, f"reach {value} is not in the network"))
        if missing:
            continue
        i = at[b.branch_reach_id]
        fork_next = int(feats[at[b.fork_reach_id]][0].get("next_down") or 0)
        if b.kind == "main" and fork_next != b.branch_reach_id:
            problems.append(
                _problem(b.row, "branch_reach_id", f"the fork reach {b.fork_reach_id} flows into "
                         f"{fork_next}, not into the main branch {b.branch_reach_id}")
            )  # fmt: skip
            continue
        props, geom = feats[i]
        if b.reverse_geometry:
            geom = shapely.reverse(geom)
        if b.next_down is not None:
            props["next_down"] = b.next_down
        if b.branch:
            props["name"] = b.branch
        feats[i] = (props, geom)
        branch_of[i] = b.fork_reach_id
        share[i] = relative_share(branches, b)
    if problems:
        raise ValidationError(problems)
    return feats, {"branch_of": tuple(branch_of), "branch_share": tuple(share)}


def split_discharges(
    downstream: np.ndarray,
    level: np.ndarray,
    reach_id: np.ndarray,
    branch_of: Sequence[Any],
    branch_share: Sequence[Any],
    gauged: np.ndarray,
    pairs: Sequence[tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Split at every fork (rule in the module doc): for each ``(target, reference)`` of
    ``pairs``, ``target`` is shifted in place along each branch, from its head down to its
    outlet or to the first gauged reach, by ``(share - 1) x reference[fork]`` on a main branch
    and ``share x reference[fork]`` on a distributary (a flow is its own reference; the inflow
    takes the flow's). Returns the indices of the shifted reaches.

    >>> down = np.array([1, -1, -1])          # reach 0 forks: main branch 1, distributary 2
    >>> q = np.array([100.0, 101.0, 1.0])
    >>> split_discharges(down, np.array([1, 0, 0]), np.array([10, 11, 12]), [0, 10, 10],
    ...                  [None, 0.4, 0.6], np.zeros(3, bool), [(q, q)]).tolist()
    [1, 2]
    >>> q.tolist()
    [100.0, 41.0, 61.0]
    """
    index = {int(r): i for i, r in enumerate(reach_id)}
    heads = [
        (i, index[int(f)], float(s))
        for i, (f, s) in enumerate(zip(branch_of, branch_share, strict=True))
        if f and int(f) in index and s is not None and np.isfinite(float(s))
    ]
    heads.sort(key=lambda h: -int(level[h[1]]))  # forks upstream first
    touched: list[int] = []
    for head, fork, s in heads:
        path = []
        i = head
        while i >= 0 and not gauged[i]:
            path.append(i)
            i = int(downstream[i])
        factor = s - 1.0 if int(downstream[fork]) == head else s
        shifts = [factor * float(ref[fork]) for _, ref in pairs]
        for (target, _), shift in zip(pairs, shifts, strict=True):
            target[path] += shift
        touched.extend(path)
    return np.array(sorted(set(touched)), dtype=np.int64)


def path_forks(net: Any, reaches: Sequence[int] | np.ndarray) -> list[str]:
    """One sentence per fork on a downstream path (``reaches`` in path order): which branches
    leave it, with their share of the fork's water and mass, and that they are not traced."""
    branch_of = net.attributes.get("branch_of")
    if not branch_of:
        return []
    on_path = {int(net.reach_id[i]) for i in reaches}
    out = []
    for fork in [int(net.reach_id[i]) for i in reaches]:
        side = [
            i for i, f in enumerate(branch_of)
            if f and int(f) == fork and int(net.reach_id[i]) not in on_path
        ]  # fmt: skip
        if not side:
            continue
        names = ", ".join(
            f"{net.name[i] or 'reach ' + str(net.reach_id[i])} "
            f"{float(net.attributes['branch_share'][i]):.0%}"
            for i in side
        )
        out.append(
            f"the river forks at the end of reach {fork} ({net.river_name(net.index_of(fork))}):"
            f" {names} of its water and of the released mass leave by a branch the path does "
            "not follow (not traced; concentration there as at the fork, see river_distributaries.csv)"
        )
    return out
