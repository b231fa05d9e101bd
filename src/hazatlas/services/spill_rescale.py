"""A river spill run for another released mass on the same path (``services/spill.py``).

The Natech pathways (``services/natech_pathways.py``) run one spill per site and substance and
then only change the mass per event: the 1D advection-dispersion model with first-order decay
is linear in the mass (docs/models/river.md), so the path, the hydraulics and the model of each
flow are kept and only the breakthroughs at the places reported are computed again.
"""

from __future__ import annotations

from dataclasses import replace

from hazatlas.models.base import raise_problems
from hazatlas.models.river.spill import spill_problems
from hazatlas.services.spill import SpillRun, _default_threshold, _path_run


def with_mass(run: SpillRun, mass_kg: float) -> SpillRun:
    """``run`` for ``mass_kg``: the snapped source, the path, the crossings, the decay, the
    threshold and the hydraulic model of each flow are kept, the breakthroughs computed again.
    The result equals :func:`~hazatlas.services.spill.run_spill` for the request with
    ``mass_kg`` (tested); a default threshold (no substance and no threshold given) is found
    again for the new mass (:func:`hazatlas.services.spill._default_threshold`)."""
    raise_problems(spill_problems(mass_kg=mass_kg))
    out = replace(run, request=replace(run.request, mass_kg=float(mass_kg)), runs={})
    if run.threshold_default:  # as run_spill finds it, for the new mass
        lengths = run.network.length_m[run.path_reaches].copy()
        lengths[0] = max(lengths[0] - run.snap.offset_m, 1.0)
        out.threshold_mg_l, out.threshold_basis = _default_threshold(out, lengths)
    for key, pr in run.runs.items():
        out.runs[key] = _path_run(out, pr.flow, pr.model, pr.source_discharge_m3_s)
    return out
