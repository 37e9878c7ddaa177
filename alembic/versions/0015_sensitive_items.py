"""sensitive items: kept out of search (noindex), an event's exact address for members only

Revision ID: 0015_sensitive_items
Revises: 0014_ics_subscriptions
Create Date: 2026-12-02 05:00:00

`objects.noindex`: the page says `noindex`, the node's search, feeds and anonymous calendar
feeds leave the object out, and peers are told (FEDERATION.md, "Sensitive items").
`events.hide_address`: the public page, the public ActivityPub object and the agenda give the
town only; members (and followers, for a followers-only event) get the exact place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_sensitive_items"
down_revision: str | None = "0014_ics_subscriptions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.add_column(
            sa.Column("noindex", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("hide_address", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("hide_address")
    with op.batch_alter_table("objects") as batch:
        batch.drop_column("noindex")
