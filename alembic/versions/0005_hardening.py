"""inbox payloads may be dropped after the retention time (ids kept for de-duplication)

Revision ID: 0005_hardening
Revises: 0004_accounts
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_hardening"
down_revision: str | None = "0004_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAYLOAD_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("inbox_activities") as batch:
        batch.alter_column("payload", existing_type=PAYLOAD_TYPE, nullable=True)


def downgrade() -> None:
    op.execute("UPDATE inbox_activities SET payload = '{}' WHERE payload IS NULL")
    with op.batch_alter_table("inbox_activities") as batch:
        batch.alter_column("payload", existing_type=PAYLOAD_TYPE, nullable=False)
