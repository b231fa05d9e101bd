"""Air dispersion of toxic gases (neutrally buoyant, flat terrain): stability class
(``stability``), wind profile (``wind``), dispersion coefficient sets (``sigmas``), Gaussian plume
(``plume``) and puff (``puff``), source terms (``source``), levels of concern and threat
distances (``zones``), zone polygons and geo-referencing (``footprint``). See docs/models/plume.md.
"""
