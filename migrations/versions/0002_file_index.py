"""file index at scale: files.dir, file_keys side table of normalised identifiers/names/dates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Rows indexed under 0001 have no keys: their size is set to -1 so the next scan re-reads them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dir", sa.Text(), nullable=True))
        batch_op.create_index("ix_files_root_dir", ["root", "dir"], unique=False)
    op.create_table(
        "file_keys",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("file_id", "kind", "value"),
    )
    with op.batch_alter_table("file_keys", schema=None) as batch_op:
        batch_op.create_index("ix_file_keys_kind_value", ["kind", "value"], unique=False)
    files = sa.table(
        "files", sa.column("id"), sa.column("rel_path"), sa.column("dir"), sa.column("size")
    )
    conn = op.get_bind()
    for file_id, rel_path in conn.execute(sa.select(files.c.id, files.c.rel_path)).all():
        folder = rel_path.rpartition("/")[0]
        conn.execute(files.update().where(files.c.id == file_id).values(dir=folder, size=-1))


def downgrade() -> None:
    with op.batch_alter_table("file_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_file_keys_kind_value")
    op.drop_table("file_keys")
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.drop_index("ix_files_root_dir")
        batch_op.drop_column("dir")
