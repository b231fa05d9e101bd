"""History entries carry the disclosure scope of their time.

``change_log.disclosure`` is the strictest disclosure level the record had before or after the
write and ``change_log.scope`` its countries and operators then (see
``hazatlas.domain.access.EntryScope``).

Existing entries: each establishment's history is replayed from its first entry (a ``create``
holds every non-empty field, later entries every changed one, so the level, country and operator
before and after each write are known exactly). Where the history does not start with a create,
or a field needed is missing, the scope is unknown: the entry keeps ``national`` and a NULL
scope, which shows its confidential values to administrators only. Unknown past levels are
thus never treated as more open than ``national``. A model run (scenario) linked to an
establishment gets the scope the establishment had when the run was stored; other entries
(users, countries, unlinked runs) get ``national`` and no scope.

Revision ID: 0006
Revises: 0005
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_STRICTNESS = {"public": 0, "parties": 1, "national": 2}
_KEYS = ("country_iso3", "disclosure", "operator")


def _scope(sides: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    level = max((side["disclosure"] for side in sides), key=_STRICTNESS.__getitem__)
    operators = sorted({side["operator"] for side in sides}, key=lambda o: (o is not None, o or ""))
    return level, {"countries": sorted({side["country_iso3"] for side in sides}),
                   "operators": operators}


def _replay(rows: list[tuple[int, str, str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Scopes of the entries (id, entity type, entity id, action, changes), in id order: each
    establishment's history replayed; a model run (scenario) gets the scope its establishment
    had when the run was stored. Entries of unknown scope are left out."""
    out = []
    state: dict[str, dict[str, Any] | None] = {}  # establishment -> scope now (None: unknown)
    for entry_id, entity_type, entity_id, action, changes in rows:
        changes = changes or {}
        if entity_type == "scenario":
            linked = (changes.get("establishment_id") or [None, None])[1]
            then = state.get(linked) if linked is not None else None
            if then is not None:
                level, scope = _scope([then])
                out.append({"_id": entry_id, "d": level, "s": scope})
            continue
        before: dict[str, Any] | None
        after: dict[str, Any] | None
        if action == "create":
            before, after = None, {k: (changes.get(k) or [None, None])[1] for k in _KEYS}
        elif (before := state.get(entity_id)) is None:
            continue
        else:
            after = None if action == "delete" else {
                k: changes[k][1] if k in changes else before[k] for k in _KEYS}
        sides = [side for side in (before, after) if side is not None]
        if not all(side["country_iso3"] and side["disclosure"] in _STRICTNESS for side in sides):
            state[entity_id] = None
            continue
        level, scope = _scope(sides)
        out.append({"_id": entry_id, "d": level, "s": scope})
        state[entity_id] = after
    return out


def upgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disclosure", sa.String(length=20), nullable=False,
                                      server_default="national"))
        batch_op.add_column(sa.Column("scope", sa.JSON(), nullable=True))
    log = sa.table("change_log", sa.column("id", sa.Integer), sa.column("entity_type", sa.String),
                   sa.column("entity_id", sa.String), sa.column("action", sa.String),
                   sa.column("changes", sa.JSON), sa.column("disclosure", sa.String),
                   sa.column("scope", sa.JSON))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(log.c.id, log.c.entity_type, log.c.entity_id, log.c.action, log.c.changes)
        .where(log.c.entity_type.in_(["establishment", "scenario"]))
        .order_by(log.c.id)
    ).all()
    pending = _replay([tuple(r) for r in rows])
    stmt = (sa.update(log).where(log.c.id == sa.bindparam("_id"))
            .values(disclosure=sa.bindparam("d"), scope=sa.bindparam("s")))
    for i in range(0, len(pending), 5000):
        conn.execute(stmt, pending[i : i + 5000])


def downgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_column("scope")
        batch_op.drop_column("disclosure")
