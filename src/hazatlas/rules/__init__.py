"""Legal identification as pure code: Seveso III tiers, the Convention's Annex I, location criteria.

Modules: :mod:`~hazatlas.rules.thresholds` (the substance catalogue from the reference tables),
:mod:`~hazatlas.rules.clp` (hazard statements and CLP classes to Part 1 categories),
:mod:`~hazatlas.rules.resolve` (what a line is), :mod:`~hazatlas.rules.seveso` (tiers, 2 % rule,
sums), :mod:`~hazatlas.rules.convention` (Annex I versions), :mod:`~hazatlas.rules.location`
(location criteria) and :mod:`~hazatlas.rules.identify` (all of it for one establishment).
"""

#: Version of the identification rules, stored with every classification. Change it whenever a
#: rule or a reference table used by the rules changes, so stored results can be recomputed.
RULES_VERSION = (
    "hazatlas-rules/2 (Seveso III 2012/18/EU Annex I with note 20 WHO 2005 TEFs; "
    "TEIA Annex I 1992/2006/2014; location criteria 2000/3)"
)
