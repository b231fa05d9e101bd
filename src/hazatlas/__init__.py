"""hazatlas: register, identify, screen, model and warn of industrial accidents with
transboundary effects (UNECE Industrial Accidents Convention, Seveso III)."""

__version__ = "0.1.0"
