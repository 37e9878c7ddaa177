"""event occurrences: the dates of every event, series expanded, for the agenda's index walks

Revision ID: 0020_event_occurrences
Revises: 0019_group_threads
Create Date: 2026-12-03 13:45:00

`event_occurrences`: one row per date of an event (a single event has one, a series one per
date of its rule up to a horizon: `content/occurrences.py`), keyed by (event, start), walked by
`ix_event_occurrences_agenda` (start, event); `multi_day` ones (longer than a day) also by
`ix_event_occurrences_multi_day`, for what is under way. `events.occurrences_until`: where writing a
series' dates stopped, for the worker to go on. Every event already stored is written here,
as a flush would.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrantnet.models.base import UTCDateTime

revision: str = "0020_event_occurrences"
down_revision: str | None = "0019_group_threads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_occurrences",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("recurrence_id", UTCDateTime(), nullable=True),
        sa.Column("cancelled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("multi_day", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.object_id"],
            name=op.f("fk_event_occurrences_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "starts_at", name=op.f("pk_event_occurrences")),
    )
    with op.batch_alter_table("event_occurrences", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_occurrences_agenda", ["starts_at", "event_id"], unique=False
        )
        batch_op.create_index(
            "ix_event_occurrences_multi_day", ["multi_day", "ends_at"], unique=False
        )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occurrences_until", UTCDateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_events_occurrences_until"), ["occurrences_until"], unique=False
        )
    _write_existing(op.get_bind())


def _write_existing(bind: sa.Connection) -> None:
    """The dates of every event already stored, as a flush would write them."""
    from migrantnet.content.occurrences import write_all_occurrences

    write_all_occurrences(bind)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_occurrences_until"))
        batch_op.drop_column("occurrences_until")
    with op.batch_alter_table("event_occurrences", schema=None) as batch_op:
        batch_op.drop_index("ix_event_occurrences_multi_day")
        batch_op.drop_index("ix_event_occurrences_agenda")
    op.drop_table("event_occurrences")
