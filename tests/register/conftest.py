"""Sample register files for the register tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hazatlas.formats.register_rows import COLUMNS

HEADER = list(COLUMNS)


def row(**values: str) -> dict[str, str]:
    base = {c: "" for c in HEADER}
    base.update(values)
    return base


SAMPLE = [
    row(establishment_id="RO-BM-AURUL", name="Aurul tailings pond", kind="tailings", country="ROU",
        lon="23.5290", lat="47.6420", status="closed", operator="Aurul S.A.", nace_code="B07.29",
        receiving_water="Somes", disclosure="parties", source="https://example.org/aurul", source_date="2000-03-01",
        external_ids="icpdr_ars=RO-001;eSPIRS=17", stored_volume="2.5", stored_volume_unit="Mm3",
        dam_height_m="20", area_ha="93", construction_method="upstream", commodity="gold",
        tailings_status="inactive", last_inspection="2019-05-02",
        constituents="Cyanide:120 mg/kg:57-12-5;Copper:0.2 %:7440-50-8",
        substance_name="Sodium cyanide", cas_number="143-33-9",
        hazard_statements="H290;H300;H310;H330;H372;H410", quantity="100", unit="t",
        quantity_basis="illustrative", physical_state="solid"),
    row(establishment_id="RO-BM-AURUL", name="Aurul tailings pond", kind="tailings", country="ROU",
        lon="23.5290", lat="47.6420", status="closed", operator="Aurul S.A.", nace_code="B07.29",
        receiving_water="Somes", disclosure="parties", source="https://example.org/aurul", source_date="2000-03-01",
        external_ids="icpdr_ars=RO-001;eSPIRS=17", stored_volume="2.5", stored_volume_unit="Mm3",
        dam_height_m="20", area_ha="93", construction_method="upstream", commodity="gold",
        tailings_status="inactive", last_inspection="2019-05-02",
        constituents="Cyanide:120 mg/kg:57-12-5;Copper:0.2 %:7440-50-8",
        substance_name="Copper sulphate", cas_number="7758-98-7", hazard_statements="H302;H315;H319;H410",
        quantity="2000", unit="lb", quantity_basis="illustrative", physical_state="solid"),
    row(establishment_id="RS-PANCEVO-HIP", name="HIP Azotara Pančevo", country="SRB", lon="20.6900",
        lat="44.8370", operator="HIP Azotara", nace_code="20.15", receiving_water="Danube",
        disclosure="national", source="https://example.org/pancevo",
        substance_name="Ammonia, anhydrous", cas_number="7664-41-7",
        hazard_statements="H221;H280;H314;H331;H410", seveso_entry="35", quantity="15000", unit="t",
        quantity_basis="illustrative", physical_state="liquefied_gas", storage_unit="tank farm"),
    row(establishment_id="UA-KALUSH-HCB", name="Kalush HCB storage", country="UKR", lon="24.3700",
        lat="49.0200", status="abandoned", source="https://example.org/kalush", disclosure="public",
        substance_name="Hexachlorobenzene", cas_number="118-74-1", hazard_statements="H350;H372;H410",
        quantity="11500", unit="t", quantity_basis="published", cannot_initiate="false"),
    row(establishment_id="KG-MAILUU-TP3", name="Mailuu-Suu tailings 3", kind="tailings", country="KGZ",
        lon="72.4500", lat="41.2700", source="https://example.org/mailuu", disclosure="public",
        stored_volume="110000", dam_height_m="12"),
]


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header or HEADER)
        w.writeheader()
        for r in rows:
            w.writerow({k: v for k, v in r.items() if k in (header or HEADER)})
    return path


@pytest.fixture
def sample_csv(tmp_path) -> Path:
    header = HEADER + ["area_ha"]
    return write_csv(tmp_path / "register.csv", SAMPLE, header)


@pytest.fixture
def make_csv(tmp_path):
    def make(rows: list[dict[str, str]], name: str = "bad.csv") -> Path:
        header = HEADER + ["area_ha"]
        return write_csv(tmp_path / name, rows, header)

    return make


@pytest.fixture
def sample_rows():
    return [dict(r) for r in SAMPLE]


@pytest.fixture
def row_factory():
    return row
