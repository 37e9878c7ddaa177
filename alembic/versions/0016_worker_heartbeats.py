"""worker heartbeats: each running worker's last sign of life

Revision ID: 0016_worker_heartbeats
Revises: 0015_sensitive_items
Create Date: 2026-12-02 05:30:00

`worker_heartbeats` has one row per worker process, its `beat_at` renewed every few seconds;
`migrantnet doctor` and `/healthz` report a worker that has stopped beating.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrantnet.models.base import UTCDateTime

revision: str = "0016_worker_heartbeats"
down_revision: str | None = "0015_sensitive_items"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker", sa.String(length=255), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("beat_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("worker", name=op.f("pk_worker_heartbeats")),
    )
    with op.batch_alter_table("worker_heartbeats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_worker_heartbeats_beat_at"), ["beat_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("worker_heartbeats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worker_heartbeats_beat_at"))
    op.drop_table("worker_heartbeats")
