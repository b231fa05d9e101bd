"""Writing ``[[layer]]`` entries into a layer manifest (layers.toml) without losing the rest.

A new entry is appended; an entry whose ``id`` is already in the file replaces that
``[[layer]]`` block (what precedes the first block, comments included, and every other block
are kept as they are). The result is checked whole with
:func:`hazatlas.formats.hazard_layers.parse_manifest` (paths checked next to the manifest)
before it replaces the file through a temporary name; nothing is written when it fails.

>>> print(layer_entry({"id": "a", "return_period_years": 100, "user_supplied": False}), end="")
[[layer]]
id = "a"
return_period_years = 100
user_supplied = false
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from hazatlas.domain.hazard_layer import HazardLayer
from hazatlas.formats.hazard_layers import parse_manifest

_BLOCK = re.compile(r"^\[\[layer\]\][ \t]*$", re.MULTILINE)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def layer_entry(fields: Mapping[str, object]) -> str:
    """One ``[[layer]]`` table (TOML) with ``fields`` in order."""
    return "[[layer]]\n" + "".join(f"{k} = {_value(v)}\n" for k, v in fields.items())


def _block_id(block: str) -> str | None:
    try:
        found = tomllib.loads(block).get("layer", [{}])[0].get("id")
    except (tomllib.TOMLDecodeError, IndexError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def merge_entries(text: str, entries: Sequence[Mapping[str, object]]) -> tuple[str, list[str]]:
    """The manifest ``text`` with ``entries`` added or replacing blocks of the same id, and the
    ids that were replaced."""
    starts = [m.start() for m in _BLOCK.finditer(text)]
    head = text[:starts[0]] if starts else text
    ends = starts[1:] + [len(text)] if starts else []
    blocks = [text[a:b] for a, b in zip(starts, ends, strict=True)]
    by_id = {_block_id(b): i for i, b in enumerate(blocks)}
    replaced = []
    for fields in entries:
        new = layer_entry(fields) + "\n"
        index = by_id.get(str(fields["id"]))
        if index is None:
            by_id[str(fields["id"])] = len(blocks)
            blocks.append(new)
        else:
            blocks[index] = new
            replaced.append(str(fields["id"]))
    if head and not head.endswith("\n"):
        head += "\n"
    body = "".join(b.rstrip("\n") + "\n\n" for b in blocks).rstrip("\n") + "\n"
    return head + body, replaced


def update_manifest(path: Path, entries: Sequence[Mapping[str, object]],
                    header: str = "") -> tuple[list[HazardLayer], list[str]]:
    """Write ``entries`` into the manifest ``path`` (created with ``header`` if missing); the
    manifest's layers after the change and the ids replaced."""
    text = path.read_text(encoding="utf-8") if path.exists() else header
    merged, replaced = merge_entries(text, entries)
    layers = parse_manifest(merged, path.name, folder=path.parent)
    part = path.with_name(path.name + ".part")
    part.write_text(merged, encoding="utf-8")
    os.replace(part, path)
    return layers, replaced
