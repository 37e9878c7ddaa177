"""co-signatures wait for approval; who may co-sign without it

Revision ID: 0011_cosign_approval
Revises: 0010_recurrence
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_cosign_approval"
down_revision: str | None = "0010_recurrence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("cosignatures") as batch:
        batch.add_column(
            sa.Column("state", sa.String(length=16), server_default="accepted", nullable=False)
        )
    with op.batch_alter_table("actors") as batch:
        batch.add_column(
            sa.Column("cosign_people", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("cosign_trusted", JSON, server_default=sa.text("'[]'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.drop_column("cosign_trusted")
        batch.drop_column("cosign_people")
    with op.batch_alter_table("cosignatures") as batch:
        batch.drop_column("state")
