"""History entries carry the disclosure scope of their time.

``change_log.disclosure`` is the strictest disclosure level the record had before or after the
write and ``change_log.scope`` its countries and operators then (see
``hazatlas.domain.access.EntryScope``).

Existing entries: each establishment's history is replayed from its first entry (a ``create``
holds every non-empty field, later entries every changed one, so the level, country and operator
before and after each write are known exactly). Where the history does not start with a create,
or a field needed is missing, the scope is unknown: the entry keeps ``national`` and a NULL
scope, which shows its confidential values to administrators only. Unknown past levels are
thus never treated as more open than ``national``. Other entity types (users, scenarios,
countries) get ``national`` and no scope.

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


def _replay(entries: list[tuple[int, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Scopes of one establishment's entries (id, action, changes), oldest first; entries of
    unknown scope are left out."""
    out = []
    state: dict[str, Any] | None = None  # the record's scope after the last entry; None: unknown
    for entry_id, action, changes in entries:
        changes = changes or {}
        before: dict[str, Any] | None
        after: dict[str, Any] | None
        if action == "create":
            before, after = None, {k: (changes.get(k) or [None, None])[1] for k in _KEYS}
        elif state is None:
            continue
        else:
            before = state
            after = None if action == "delete" else {
                k: changes[k][1] if k in changes else state[k] for k in _KEYS}
        sides = [side for side in (before, after) if side is not None]
        if not all(side["country_iso3"] and side["disclosure"] in _STRICTNESS for side in sides):
            state = None
            continue
        level = max((side["disclosure"] for side in sides), key=_STRICTNESS.__getitem__)
        operators = sorted({side["operator"] for side in sides},
                           key=lambda o: (o is not None, o or ""))
        out.append({"_id": entry_id, "d": level,
                    "s": {"countries": sorted({side["country_iso3"] for side in sides}),
                          "operators": operators}})
        state = after
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
        sa.select(log.c.id, log.c.entity_id, log.c.action, log.c.changes)
        .where(log.c.entity_type == "establishment")
        .order_by(log.c.entity_id, log.c.id)
    )
    stmt = (sa.update(log).where(log.c.id == sa.bindparam("_id"))
            .values(disclosure=sa.bindparam("d"), scope=sa.bindparam("s")))
    pending: list[dict[str, Any]] = []
    current: str | None = None
    entries: list[tuple[int, str, dict[str, Any]]] = []
    for entry_id, entity_id, action, changes in list(rows):
        if entity_id != current:
            pending.extend(_replay(entries))
            current, entries = entity_id, []
        entries.append((entry_id, action, changes))
    pending.extend(_replay(entries))
    for i in range(0, len(pending), 5000):
        conn.execute(stmt, pending[i : i + 5000])


def downgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_column("scope")
        batch_op.drop_column("disclosure")
