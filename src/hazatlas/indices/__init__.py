"""Hazard indices (pure computation; see docs/indices.md for every rule and source).

- :mod:`~hazatlas.indices.water_hazard`: German water hazard class (WGK) of a substance (AwSV 2017)
- :mod:`~hazatlas.indices.water_hazard_mixture`: WGK of a mixture from its composition (AwSV 2017)
- :mod:`~hazatlas.indices.water_risk`: ICPDR Water Risk Index (weights UNCONFIRMED)
- :mod:`~hazatlas.indices.tailings_hazard`: Tailings Hazard Index (hazatlas design scoring)
- :mod:`~hazatlas.indices.consequence_class`: GISTM consequence class (table UNCONFIRMED)
- :mod:`~hazatlas.indices.natech`: Natech exposure flags (hazatlas design)
"""
