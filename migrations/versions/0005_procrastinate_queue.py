"""procrastinate's job queue tables (PostgreSQL only) and wirefix's record of job errors

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

The queue lives in wirefix's own database so one `wirefix db upgrade` prepares everything a
worker needs. procrastinate ships its schema as SQL; it is executed as is on PostgreSQL, in the
`procrastinate` schema, and this migration does nothing on SQLite, where wirefix works in-process
and has no queue. A later procrastinate release
with schema changes needs a wirefix migration that runs its files from
`procrastinate.schema.SchemaManager.get_migrations_path()`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


QUEUE_SCHEMA = "procrastinate"  # wirefix.flows.jobs.QUEUE_SCHEMA; a migration must not import it


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    # The queue's tables live in a PostgreSQL schema of their own: wirefix's tables and its
    # model-vs-migration check stay as they were, and `DROP SCHEMA procrastinate CASCADE` removes
    # the queue whole.
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {QUEUE_SCHEMA}")
    if not sa.inspect(bind).has_table("procrastinate_jobs", schema=QUEUE_SCHEMA):
        # Straight to the driver: the function bodies hold `%` and `:` that SQLAlchemy or psycopg
        # would read as parameters; with no parameters psycopg sends the text verbatim.
        cursor = bind.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute("SELECT current_setting('search_path')")
            previous = cursor.fetchone()[0]
            cursor.execute(f"SET search_path TO {QUEUE_SCHEMA}")
            cursor.execute(SchemaManager.get_schema())
            cursor.execute(f"SET search_path TO {previous}")
        finally:
            cursor.close()
    # procrastinate keeps no error text for a failed job; wirefix keeps the last one per job.
    op.create_table(
        "job_errors",
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("task", sa.String(length=128), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("host", sa.String(length=256), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_id"),
        schema=QUEUE_SCHEMA,
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP SCHEMA IF EXISTS {QUEUE_SCHEMA} CASCADE")
