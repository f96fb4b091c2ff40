"""notices.distributors: the agencies that carried the photo, beside its originator (`agency`)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

A notice about "MOHAMAD ABAZEED/AFP/Getty Images" is AFP's (the originator, `agency`) and was
carried by Getty Images (a distributor). The whole parsed notice was already kept in `data`;
the column makes the distributors queryable (`report --agency`). Rows stored before this revision
get their distributors from `data` when it has them, else an empty list.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("distributors", sa.JSON(), nullable=True))
    bind = op.get_bind()
    notices = sa.table(
        "notices", sa.column("id", sa.Integer), sa.column("data", sa.JSON),
        sa.column("distributors", sa.JSON),
    )  # fmt: skip
    for row_id, data in bind.execute(sa.select(notices.c.id, notices.c.data)).all():
        if isinstance(data, str):
            data = json.loads(data)
        distributors = list((data or {}).get("distributors") or [])
        bind.execute(
            notices.update().where(notices.c.id == row_id).values(distributors=distributors)
        )


def downgrade() -> None:
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_column("distributors")
