"""format 1.1: attendance status enum; students.wechat_id

``attendances.status`` changes from Chinese text to the enum
``attendance_status`` (出勤 → present, 迟到 → late, 缺勤 → absent, 请假 → leave);
``students.wechat_id`` (nullable) is added. Downgrade maps the enum back to
the Chinese text and drops wechat_id.

Every status is checked before any DDL runs: a value outside the four stops
the upgrade with the ids of the offending rows, and the database is left
exactly as it was (on MariaDB too, whose DDL is not transactional).

PostgreSQL: ``CREATE TYPE attendance_status`` and one ``ALTER … USING`` cast,
all inside the migration's transaction. SQLite: the table is rebuilt (batch
mode) inside the transaction. MariaDB: the values are rewritten (UPDATE),
then the column becomes an ENUM; the ALTER commits the UPDATE. Should the
ALTER fail, the database is still at dudao_0001 but its statuses are English;
recover with
``UPDATE attendances SET status = CASE status WHEN 'present' THEN '出勤' WHEN 'late' THEN '迟到' WHEN 'absent' THEN '缺勤' WHEN 'leave' THEN '请假' ELSE status END``
and, if ``students.wechat_id`` already exists, ``ALTER TABLE students DROP COLUMN wechat_id``;
then upgrade again. A failed downgrade is recovered the same way in reverse
(map the English values back to Chinese, stamp dudao_0001 once the column is
VARCHAR(8) and wechat_id is gone).

Revision ID: dudao_0002
Revises: dudao_0001
Create Date: 2026-12-04 16:37:33.749316

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from toolkit.errors import DataError

# revision identifiers, used by Alembic.
revision: str = 'dudao_0002'
down_revision: Union[str, Sequence[str], None] = 'dudao_0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

MAPPING = {"出勤": "present", "迟到": "late", "缺勤": "absent", "请假": "leave"}
STATUS = sa.Enum(*MAPPING.values(), name="attendance_status")
OLD_STATUS = sa.String(length=8)
SHOWN = 20  # ids named in the refusal; the count says how many there are

attendances = sa.table("attendances", sa.column("id", sa.Integer), sa.column("status", sa.String))


def _case(mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{a}' THEN '{b}'" for a, b in mapping.items())
    return f"CASE status {whens} END"


def _refuse_unknown_statuses(conn) -> None:
    unknown = attendances.c.status.not_in(list(MAPPING))
    count = conn.scalar(sa.select(sa.func.count()).select_from(attendances).where(unknown))
    if not count:
        return
    rows = conn.execute(sa.select(attendances.c.id, attendances.c.status).where(unknown)
                        .order_by(attendances.c.id).limit(SHOWN)).all()
    listed = ", ".join(f"id {r.id} {r.status!r}" for r in rows)
    more = f" and {count - len(rows)} more" if count > len(rows) else ""
    raise DataError(
        f"{count} attendance row(s) have a status that is none of {'/'.join(MAPPING)}: "
        f"{listed}{more}; nothing was changed",
        module="attendances", field="status",
        hint="correct these rows (e.g. UPDATE attendances SET status = '出勤' WHERE id = …) "
             "and upgrade again")


def upgrade() -> None:
    conn = op.get_bind()
    _refuse_unknown_statuses(conn)  # before any DDL: MariaDB cannot roll DDL back

    if conn.dialect.name == "postgresql":
        STATUS.create(conn, checkfirst=False)
        op.alter_column("attendances", "status", existing_type=OLD_STATUS, type_=STATUS,
                        existing_nullable=False,
                        postgresql_using=f"({_case(MAPPING)})::attendance_status")
    else:
        # 'present' (the longest) fits the old VARCHAR(8), so rewrite first, then retype.
        conn.execute(sa.text(f"UPDATE attendances SET status = {_case(MAPPING)}"))
        with op.batch_alter_table("attendances", schema=None) as batch_op:
            batch_op.alter_column("status", existing_type=OLD_STATUS, type_=STATUS,
                                  existing_nullable=False)

    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wechat_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_column("wechat_id")

    back = {b: a for a, b in MAPPING.items()}
    if conn.dialect.name == "postgresql":
        op.alter_column("attendances", "status", existing_type=STATUS, type_=OLD_STATUS,
                        existing_nullable=False, postgresql_using=_case(back))
        STATUS.drop(conn, checkfirst=False)
    else:
        with op.batch_alter_table("attendances", schema=None) as batch_op:
            batch_op.alter_column("status", existing_type=STATUS, type_=OLD_STATUS,
                                  existing_nullable=False)
        conn.execute(sa.text(f"UPDATE attendances SET status = {_case(back)}"))
