"""Base class of the published models (one published model, one class).

Every model that reproduces a published formula or method (river advection-dispersion, Gaussian
plume, tailings runout regression, ...) subclasses :class:`PublishedModel` and declares, as class
attributes:

``name``
    short identifier of the model (``"river-moments"``).
``source``
    the publication(s) and equation numbers it follows ("Eq. (1), Author (year)").
``inputs``
    mapping of input name to its SI unit (``{"mass_kg": "kg", "velocity_m_s": "m/s"}``); names
    carry their unit as everywhere in hazatlas.
``validity``
    mapping of input name to the closed range ``(low, high)`` over which the source says the
    model holds (a subset of ``inputs``; use ``math.inf`` for an open end).

The class checks the declarations when it is defined, so a model that forgets one fails at import
time. :meth:`PublishedModel.check_validity` turns values outside the declared range into warning
sentences (a model is still evaluated outside its range; the caller shows the warnings), and
:meth:`PublishedModel.missing_inputs` lists declared inputs that were not given. Each subclass
adds its own vectorised ``compute`` method (signatures differ from model to model).

>>> class Toy(PublishedModel):
...     name = "toy"
...     source = "Eq. (1), Nobody (2024)"
...     inputs = {"velocity_m_s": "m/s", "depth_m": "m"}
...     validity = {"velocity_m_s": (0.05, 3.0)}
>>> Toy().check_validity(velocity_m_s=5.0, depth_m=2.0)
['velocity_m_s = 5 m/s is outside the validity range 0.05-3 m/s of toy (Eq. (1), Nobody (2024))']
>>> Toy().check_validity(velocity_m_s=[0.1, 0.2])
[]
>>> Toy().missing_inputs({"velocity_m_s": 1.0})
['depth_m']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np


class PublishedModel:
    """A model taken from a publication, with declared inputs, validity range and source."""

    name: ClassVar[str]
    source: ClassVar[str]
    inputs: ClassVar[Mapping[str, str]]
    validity: ClassVar[Mapping[str, tuple[float, float]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for attr in ("name", "source", "inputs"):
            if not getattr(cls, attr, None):
                raise TypeError(f"published model {cls.__name__} must declare '{attr}'")
        unknown = set(cls.validity) - set(cls.inputs)
        if unknown:
            raise TypeError(
                f"published model {cls.__name__}: validity names undeclared inputs "
                f"{sorted(unknown)}"
            )
        for key, (low, high) in cls.validity.items():
            if not low <= high:
                raise TypeError(f"published model {cls.__name__}: empty validity range for {key}")

    def check_validity(self, **values: Any) -> list[str]:
        """Warnings for the given values that fall outside the declared validity ranges.

        Parameters
        ----------
        **values
            Input values by declared name, each a number or an array of numbers (every element
            is checked; NaN is ignored). Names without a declared range are not checked.

        Returns
        -------
        list of str
            One sentence per input that is out of range (empty when all are inside).
        """
        warnings: list[str] = []
        for key, value in values.items():
            if key not in self.validity:
                continue
            arr = np.asarray(value, dtype=float).ravel()
            arr = arr[~np.isnan(arr)]
            if arr.size == 0:
                continue
            low, high = self.validity[key]
            vmin, vmax = float(arr.min()), float(arr.max())
            if vmin >= low and vmax <= high:
                continue
            shown = _fmt(vmin) if vmin < low else _fmt(vmax)
            if arr.size > 1:
                shown = f"{_fmt(vmin)}..{_fmt(vmax)}"
            unit = self.inputs.get(key, "")
            warnings.append(
                f"{key} = {shown} {unit} is outside the validity range "
                f"{_fmt(low)}-{_fmt(high)} {unit} of {self.name} ({self.source})".replace("  ", " ")
            )
        return warnings

    def missing_inputs(self, values: Mapping[str, Any]) -> list[str]:
        """Declared inputs absent from ``values`` (in declaration order)."""
        return [key for key in self.inputs if key not in values]

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """Plain description (name, source, inputs with units, validity) for reports and JSON."""
        return {
            "name": cls.name,
            "source": cls.source,
            "inputs": dict(cls.inputs),
            "validity": {k: [v[0], v[1]] for k, v in cls.validity.items()},
        }


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"
