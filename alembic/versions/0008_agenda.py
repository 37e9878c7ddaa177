"""agenda: the indexes the agenda walks

Revision ID: 0008_agenda
Revises: 0007_safety
Create Date: 2026-12-02 00:00:00

`ix_events_agenda` (start, id) serves the agenda's keyset pages in start order without a sort
(it replaces `ix_events_starts_at`); `ix_events_ends_at` finds the events already under way;
`ix_interactions_actor_type` finds what followed actors announced.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_agenda"
down_revision: str | None = "0007_safety"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_starts_at")
        batch_op.create_index("ix_events_agenda", ["starts_at", "object_id"], unique=False)
        batch_op.create_index("ix_events_ends_at", ["ends_at"], unique=False)
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index("ix_interactions_actor_type", ["actor_id", "type"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_actor_type")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_ends_at")
        batch_op.drop_index("ix_events_agenda")
        batch_op.create_index("ix_events_starts_at", ["starts_at"], unique=False)
