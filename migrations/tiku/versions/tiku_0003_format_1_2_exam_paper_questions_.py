"""format 1.2: exam_paper_questions; practice_details.user_answer

Each exam paper's ``question_ids`` JSON list moves into the new table
``exam_paper_questions`` (试卷题目) and the column is dropped;
``practice_details.answer`` is renamed ``user_answer`` keeping every value.

The new rows are derived deterministically, exactly as the archive step
1.1 → 1.2 in dataformat/tiku/steps.py derives them:

- papers are read in id order, each list in its order; an entry becomes a
  row with ``position`` = its 1-based index in the list and ``created_at`` =
  the paper's created_at;
- an entry that names no existing question (or is not an integer id) is
  dropped and reported (a warning on the ``alembic`` logger naming paper id
  and question id); its position stays unused, the others keep theirs;
- ids are numbered 1..n over the kept rows in (paper_id, position) order.

Downgrade rebuilds each list from the rows ordered by position (dropped
entries do not come back) and renames ``user_answer`` back to ``answer``.

MariaDB runs DDL outside transactions. If the upgrade fails after the table
was created, the database is still at tiku_0002 with an extra table: run
``DROP TABLE exam_paper_questions`` and upgrade again. If it fails after
``question_ids`` was dropped (only the rename is left), rename by hand
(``ALTER TABLE practice_details CHANGE answer user_answer LONGTEXT NULL``)
and ``toolkit db stamp --system tiku tiku_0003``. A failed downgrade is
recovered the same way in reverse (the list is refilled before the table is
dropped, so no data is lost at any point).

Revision ID: tiku_0003
Revises: tiku_0002
Create Date: 2026-12-04 16:36:01.366373

"""
import logging
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision: str = 'tiku_0003'
down_revision: Union[str, Sequence[str], None] = 'tiku_0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

log = logging.getLogger("alembic.runtime.migration")

BATCH = 500  # papers per round trip; memory stays bounded by one batch
DateTime6 = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(
    mysql.DATETIME(fsp=6), 'mysql')
LongText = sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql')

papers = sa.table('exam_papers', sa.column('id', sa.Integer), sa.column('created_at', DateTime6),
                  sa.column('question_ids', sa.JSON(none_as_null=True)))
questions = sa.table('questions', sa.column('id', sa.Integer))
links = sa.table('exam_paper_questions', sa.column('id', sa.Integer),
                 sa.column('paper_id', sa.Integer), sa.column('question_id', sa.Integer),
                 sa.column('position', sa.Integer), sa.column('created_at', DateTime6))


def _paper_batches(conn, *cols):
    """Papers in id order, BATCH at a time (keyset paging: no open cursor during writes)."""
    last = None
    while True:
        q = sa.select(papers.c.id, *cols).order_by(papers.c.id).limit(BATCH)
        if last is not None:
            q = q.where(papers.c.id > last)
        rows = conn.execute(q).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _move_lists_to_rows(conn) -> None:
    next_id = 1
    for rows in _paper_batches(conn, papers.c.created_at, papers.c.question_ids):
        wanted = {q for r in rows if isinstance(r.question_ids, list)
                  for q in r.question_ids if _is_id(q)}
        found = set()
        if wanted:
            found = set(conn.scalars(sa.select(questions.c.id).where(questions.c.id.in_(wanted))))
        out = []
        for r in rows:
            entries = r.question_ids if isinstance(r.question_ids, list) else []
            if not isinstance(r.question_ids, list):
                log.warning("exam_papers id %s: question_ids is not a list (%r); "
                            "the paper gets no questions", r.id, r.question_ids)
            for position, qid in enumerate(entries, 1):
                if not (_is_id(qid) and qid in found):
                    log.warning("exam_papers id %s: question id %r at position %d does not "
                                "exist; the entry is dropped", r.id, qid, position)
                    continue
                out.append({"id": next_id, "paper_id": r.id, "question_id": qid,
                            "position": position, "created_at": r.created_at})
                next_id += 1
        if out:
            conn.execute(links.insert(), out)
    if conn.dialect.name == "postgresql":  # explicit ids do not move the sequence
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('exam_paper_questions', 'id'), "
                             ":n, false)"), {"n": next_id})


def _rebuild_lists(conn) -> None:
    update = (papers.update().where(papers.c.id == sa.bindparam('_id'))
              .values(question_ids=sa.bindparam('_qids', type_=sa.JSON(none_as_null=True))))
    for rows in _paper_batches(conn):
        ids = [r.id for r in rows]
        lists = {i: [] for i in ids}
        for paper_id, qid in conn.execute(
                sa.select(links.c.paper_id, links.c.question_id)
                .where(links.c.paper_id.in_(ids))
                .order_by(links.c.paper_id, links.c.position)):
            lists[paper_id].append(qid)
        conn.execute(update, [{"_id": i, "_qids": lists[i]} for i in ids])


def upgrade() -> None:
    op.create_table('exam_paper_questions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', DateTime6, nullable=False),
    sa.ForeignKeyConstraint(['paper_id'], ['exam_papers.id'], name=op.f('fk_exam_paper_questions_paper_id_exam_papers')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_exam_paper_questions_question_id_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_paper_questions')),
    sa.UniqueConstraint('paper_id', 'position', name=op.f('uq_exam_paper_questions_paper_id_position')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_bin'
    )
    with op.batch_alter_table('exam_paper_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_paper_questions_question_id'), ['question_id'], unique=False)

    _move_lists_to_rows(op.get_bind())

    with op.batch_alter_table('exam_papers', schema=None) as batch_op:
        batch_op.drop_column('question_ids')

    # A rename, not drop + add: every answer is kept.
    with op.batch_alter_table('practice_details', schema=None) as batch_op:
        batch_op.alter_column('answer', new_column_name='user_answer',
                              existing_type=LongText, existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('practice_details', schema=None) as batch_op:
        batch_op.alter_column('user_answer', new_column_name='answer',
                              existing_type=LongText, existing_nullable=True)

    # Added nullable, filled, then made NOT NULL as it was at 1.1.
    with op.batch_alter_table('exam_papers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question_ids', sa.JSON(none_as_null=True), nullable=True))
    _rebuild_lists(op.get_bind())
    with op.batch_alter_table('exam_papers', schema=None) as batch_op:
        batch_op.alter_column('question_ids', existing_type=sa.JSON(none_as_null=True),
                              nullable=False)

    # The index goes with the table (MariaDB refuses to drop it alone: the FK needs it).
    op.drop_table('exam_paper_questions')
