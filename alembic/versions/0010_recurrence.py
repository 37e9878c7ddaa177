"""recurrence: series of events and their iCalendar sequence

Revision ID: 0010_recurrence
Revises: 0009_moderation
Create Date: 2026-12-02 00:20:00

An event can be a series (`rrule`, with `exdates` cancelled and `moved` occurrences, and
`recurs_until`, the end of its last occurrence, indexed for the agenda's window); `sequence`
counts its edits for iCalendar's SEQUENCE.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import migrantnet.models.base

revision: str = "0010_recurrence"
down_revision: str | None = "0009_moderation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rrule", sa.String(length=600), nullable=True))
        batch_op.add_column(
            sa.Column("exdates", JSON, server_default=sa.text("'[]'"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("moved", JSON, server_default=sa.text("'[]'"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("recurs_until", migrantnet.models.base.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("sequence", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.create_index("ix_events_recurs_until", ["recurs_until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_recurs_until")
        batch_op.drop_column("sequence")
        batch_op.drop_column("recurs_until")
        batch_op.drop_column("moved")
        batch_op.drop_column("exdates")
        batch_op.drop_column("rrule")
