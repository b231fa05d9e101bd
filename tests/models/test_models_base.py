"""The published-model base class: declarations are checked, validity warnings are sentences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hazatlas.models.base import PublishedModel


class Demo(PublishedModel):
    name = "demo"
    source = "Eq. (2), Someone (2001)"
    inputs = {"speed_m_s": "m/s", "depth_m": "m"}
    validity = {"speed_m_s": (0.1, 2.0), "depth_m": (0.0, math.inf)}


def test_inside_the_range_gives_no_warning() -> None:
    assert Demo().check_validity(speed_m_s=np.array([0.1, 1.0, 2.0]), depth_m=5.0) == []


def test_outside_the_range_names_input_value_range_and_source() -> None:
    (w,) = Demo().check_validity(speed_m_s=np.array([0.5, 3.0, np.nan]))
    assert "speed_m_s" in w and "0.5..3" in w and "0.1-2" in w and "Someone (2001)" in w


def test_undeclared_names_are_ignored_and_missing_inputs_listed() -> None:
    assert Demo().check_validity(other=99.0) == []
    assert Demo().missing_inputs({"depth_m": 1.0}) == ["speed_m_s"]
    assert Demo.describe()["validity"]["speed_m_s"] == [0.1, 2.0]


@pytest.mark.parametrize(
    "attrs",
    [
        {"source": "x", "inputs": {"a": "m"}},  # no name
        {"name": "x", "inputs": {"a": "m"}},  # no source
        {"name": "x", "source": "y", "inputs": {"a": "m"}, "validity": {"b": (0, 1)}},
        {"name": "x", "source": "y", "inputs": {"a": "m"}, "validity": {"a": (2, 1)}},
    ],
)
def test_incomplete_declarations_fail_at_definition(attrs: dict) -> None:
    with pytest.raises(TypeError):
        type("Broken", (PublishedModel,), attrs)
