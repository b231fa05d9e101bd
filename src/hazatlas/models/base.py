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

**One contract for every model family** (river spill, air plume/puff, tailings runout):

* a *request*: a frozen dataclass of the inputs of one run, SI units, names carrying the unit
  (``Release``, the plume and puff keyword arguments, ``RunoutInputs``);
* one error for invalid inputs: :class:`~hazatlas.domain.errors.ValidationError` whose
  :class:`~hazatlas.domain.errors.Problem` names the parameter (:func:`invalid_input`,
  :func:`raise_problems`); the model layer raises nothing else for a bad value;
* a *result* carrying its warnings and the :class:`Validity` envelope it was run in
  (:meth:`PublishedModel.envelope`), never a bare array;
* at the use-case level, a :class:`ScenarioResult`: kind, inputs echoed, warnings, validity, the
  result document (``to_json``, the CLI/API contract) and a short JSON-ready ``summary`` (the
  same shape for every kind, see :func:`scenario_summary`), so that a scenario of any kind is
  stored, listed and reported the same way.

>>> env = Toy().envelope(velocity_m_s=5.0)
>>> env.inside, env.to_json()["ranges"]["velocity_m_s"]
(False, {'low': 0.05, 'high': 3.0, 'unit': 'm/s'})
>>> str(invalid_input("depth_m", "-1 m: the depth must be positive").problems[0])
"parameter, column 'depth_m': -1 m: the depth must be positive"
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from hazatlas.domain.errors import Problem, ValidationError


def invalid_input(parameter: str, message: str) -> ValidationError:
    """The error for one invalid model input: a :class:`ValidationError` naming ``parameter``."""
    return ValidationError([Problem("parameter", None, parameter, message)])


def input_problem(parameter: str, message: str) -> Problem:
    """One problem with the model input ``parameter`` (collect them, then :func:`raise_problems`)."""
    return Problem("parameter", None, parameter, message)


def raise_problems(problems: Sequence[Problem]) -> None:
    """Raise one :class:`ValidationError` listing every problem (nothing if there is none)."""
    if problems:
        raise ValidationError(list(problems))


def _bound(x: float) -> float | None:
    return None if math.isinf(x) else float(x)


@dataclass(frozen=True)
class Validity:
    """The validity envelope one run was made in: the model, its source, the declared ranges
    (with units and where they come from) and the sentences for inputs that fell outside."""

    model: str
    source: str
    ranges: Mapping[str, tuple[float, float]]
    units: Mapping[str, str]
    basis: str = ""
    outside: tuple[str, ...] = ()

    @property
    def inside(self) -> bool:
        """True when every checked input lies in its declared range."""
        return not self.outside

    def to_json(self) -> dict[str, Any]:
        """Plain dict (an open range end is ``None``)."""
        return {
            "model": self.model,
            "source": self.source,
            "basis": self.basis,
            "ranges": {
                k: {"low": _bound(lo), "high": _bound(hi), "unit": self.units.get(k, "")}
                for k, (lo, hi) in self.ranges.items()
            },
            "inside": self.inside,
            "outside": list(self.outside),
        }


class ScenarioResult(Protocol):
    """What a run of any model family returns at the use-case level (river, plume, runout).

    ``to_json`` is the result document of the CLI ``--json`` output and of the API (its keys are
    contracts); ``summary`` is the short, kind-independent form for lists and reports
    (:func:`scenario_summary`).
    """

    @property
    def kind(self) -> str: ...

    @property
    def inputs(self) -> Mapping[str, Any]: ...

    @property
    def warnings(self) -> Sequence[str]: ...

    @property
    def validity(self) -> Sequence[Validity]: ...

    def to_json(self) -> dict[str, Any]: ...

    def summary(self) -> dict[str, Any]: ...


def scenario_summary(result: ScenarioResult, headline: Mapping[str, Any]) -> dict[str, Any]:
    """The summary every kind shares: kind, models, inputs, headline figures, countries,
    warnings and validity envelopes (JSON-ready)."""
    doc = result.to_json()
    return {
        "kind": result.kind,
        "models": [v.model for v in result.validity],
        "inputs": dict(result.inputs),
        "headline": dict(headline),
        "countries": _countries(doc),
        "warnings": list(result.warnings),
        "validity": [v.to_json() for v in result.validity],
        "inside_validity": all(v.inside for v in result.validity),
    }


def _countries(doc: Mapping[str, Any]) -> list[str]:
    found = doc.get("countries") or []
    return [str(c["country"]) if isinstance(c, Mapping) else str(c) for c in found]


class PublishedModel:
    """A model taken from a publication, with declared inputs, validity range and source."""

    name: ClassVar[str]
    source: ClassVar[str]
    inputs: ClassVar[Mapping[str, str]]
    validity: ClassVar[Mapping[str, tuple[float, float]]] = {}
    validity_basis: ClassVar[str] = ""

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

    def envelope(self, *, notes: Sequence[str] = (), **values: Any) -> Validity:
        """The :class:`Validity` of a run with these input values (see :meth:`check_validity`);
        ``notes`` adds sentences about inputs outside the envelope that no range expresses."""
        return Validity(
            self.name,
            self.source,
            dict(self.validity),
            {k: self.inputs[k] for k in self.validity},
            self.validity_basis,
            tuple(self.check_validity(**values)) + tuple(notes),
        )

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
            "validity_basis": cls.validity_basis,
        }


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"
