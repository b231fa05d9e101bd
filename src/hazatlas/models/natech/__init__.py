"""Natech fragility and release: RAPID-N's three levels (docs/natech.md).

A **fragility model** gives, at the hazard intensity of the site, the probability of each damage
state of a unit (:mod:`.fragility` for the seismic tank curves, :mod:`.flood` for tank flotation,
:mod:`.tailings` for the tailings dam screens, :mod:`.custom` for curves a user loads); a
**damage classification** (:mod:`.damage`) names the states and maps each to a loss-of-containment
state with the released fraction of the content.
"""
