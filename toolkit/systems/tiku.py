"""tiku (题库系统): the question bank's head models and module catalogue.

Archive format version 1.2 (1.1 added questions.source and year; 1.2 moved
exam_papers.question_ids into exam_paper_questions and renamed
practice_details.answer to user_answer). Every table has an integer ``id``, a NOT NULL
``created_at`` and, unless its rows are never edited after they are written
(the question↔knowledge-point association and the per-answer log), a
nullable ``updated_at``. Every module's natural key is a unique constraint
over NOT NULL columns; the catalogue below repeats it column for column.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from toolkit.systems import Module, System, register
from toolkit.systems.types import (
    DateTime6,
    JSONValue,
    LongText,
    Money,
    Str,
    make_base,
    table_args,
)

Base = make_base()

Score = Numeric(5, 2)


class User(Base):
    """Students, teachers and administrators."""

    __tablename__ = "users"
    __table_args__ = table_args(UniqueConstraint("username"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(Str(64), nullable=False)
    password_hash: Mapped[str] = mapped_column(Str(255), nullable=False)
    real_name: Mapped[str | None] = mapped_column(Str(64))
    phone: Mapped[str | None] = mapped_column(Str(20))
    email: Mapped[str | None] = mapped_column(Str(128))
    role: Mapped[str] = mapped_column(Str(16), nullable=False)  # student | teacher | admin
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime6)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6)


class Category(Base):
    """Subject tree, three levels: 行测 › 言语理解与表达 › 逻辑填空."""

    __tablename__ = "categories"
    # parent_id is NULL at the roots, so (parent_id, name) cannot be the key.
    __table_args__ = table_args(UniqueConstraint("code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Str(32), nullable=False)
    name: Mapped[str] = mapped_column(Str(64), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str | None] = mapped_column(Str(255))
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6)


class KnowledgePoint(Base):
    """Knowledge-point tree, three levels, optionally tied to a category."""

    __tablename__ = "knowledge_points"
    __table_args__ = table_args(UniqueConstraint("code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Str(32), nullable=False)
    name: Mapped[str] = mapped_column(Str(64), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_points.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str | None] = mapped_column(LongText)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6)


class QuestionBook(Base):
    """题本: a named collection of questions (e.g. 2023年国考行测真题)."""

    __tablename__ = "question_books"
    __table_args__ = table_args(UniqueConstraint("title"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(Str(200), nullable=False)
    subject: Mapped[str] = mapped_column(Str(16), nullable=False)  # 行测 | 申论 | 公基
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    description: Mapped[str | None] = mapped_column(LongText)
    question_count: Mapped[int] = mapped_column(Integer, nullable=False)
    is_published: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6)


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = table_args(UniqueConstraint("code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Str(16), nullable=False)  # Q000005
    type: Mapped[str] = mapped_column(Str(16), nullable=False)  # single | multiple | judge | essay
    stem: Mapped[str] = mapped_column(LongText, nullable=False)
    # {"A": "...", "B": "..."}; NULL for essay questions.
    options: Mapped[Any | None] = mapped_column(JSONValue)
    answer: Mapped[str] = mapped_column(LongText, nullable=False)
    analysis: Mapped[str | None] = mapped_column(LongText)
    difficulty: Mapped[int] = mapped_column(Integer, nullable=False)  # 1 (easy) .. 5
    score: Mapped[Decimal] = mapped_column(Score, nullable=False)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), nullable=False,
                                             index=True)
    book_id: Mapped[int | None] = mapped_column(ForeignKey("question_books.id"), index=True)
    # format 1.1: where the question comes from (来源, e.g. 2023年国考) and its year.
    source: Mapped[str | None] = mapped_column(Str(64))
    year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6)


class QuestionKnowledge(Base):
    """Association question ↔ knowledge point (never edited: no updated_at)."""

    __tablename__ = "question_knowledge"
    __table_args__ = table_args(UniqueConstraint("question_id", "knowledge_point_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), nullable=False)
    knowledge_point_id: Mapped[int] = mapped_column(ForeignKey("knowledge_points.id"),
                                                    nullable=False, index=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, nullable=False)
    weight: Mapped[int] = mapped_column(Integer, nullable=False)  # relevance 1 (weak) .. 3
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)


class ExamPaper(Base):
    """试卷. Its questions, in order, are exam_paper_questions (a JSON list before 1.2)."""

    __tablename__ = "exam_papers"
    __table_args__ = table_args(UniqueConstraint("title"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(Str(200), nullable=False)
    paper_type: Mapped[str] = mapped_column(Str(16), nullable=False)  # real | mock | custom
    total_score: Mapped[Decimal] = mapped_column(Score, nullable=False)
    time_limit: Mapped[int] = mapped_column(Integer, nullable=False)  # minutes
    exam_date: Mapped[date | None] = mapped_column(Date)
    is_published: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6)


class ExamPaperQuestion(Base):
    """试卷题目: the question at one position of a paper (format 1.2).

    Rows migrated from 1.1's ``exam_papers.question_ids`` are numbered 1..n in
    (paper_id, position) order and carry their paper's created_at; the
    archive step derives them the same way.
    """

    __tablename__ = "exam_paper_questions"
    __table_args__ = table_args(UniqueConstraint("paper_id", "position"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("exam_papers.id"), nullable=False)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), nullable=False,
                                             index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # 1-based
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)


class PracticeTask(Base):
    """练习任务 a teacher assigns to students."""

    __tablename__ = "practice_tasks"
    __table_args__ = table_args(UniqueConstraint("teacher_id", "title"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(Str(200), nullable=False)
    description: Mapped[str | None] = mapped_column(LongText)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("exam_papers.id"))
    question_count: Mapped[int] = mapped_column(Integer, nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Str(16), nullable=False)  # draft | published | closed
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6)


class StudentSubmission(Base):
    """A student's hand-in for a task (申论 answers are graded by a teacher)."""

    __tablename__ = "student_submissions"
    __table_args__ = table_args(UniqueConstraint("task_id", "student_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("practice_tasks.id"), nullable=False)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    content: Mapped[str | None] = mapped_column(LongText)
    score: Mapped[Decimal | None] = mapped_column(Score)
    status: Mapped[str] = mapped_column(Str(16), nullable=False)  # submitted | graded | returned
    submitted_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    graded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    graded_at: Mapped[datetime | None] = mapped_column(DateTime6)
    comment: Mapped[str | None] = mapped_column(LongText)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6)


class Practice(Base):
    """练习记录: one practice session of a student."""

    __tablename__ = "practices"
    __table_args__ = table_args(UniqueConstraint("user_id", "started_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    mode: Mapped[str] = mapped_column(Str(16), nullable=False)  # random | category | task | paper
    task_id: Mapped[int | None] = mapped_column(ForeignKey("practice_tasks.id"), index=True)
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("exam_papers.id"), index=True)
    total_questions: Mapped[int] = mapped_column(Integer, nullable=False)
    correct_count: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[Decimal | None] = mapped_column(Score)
    status: Mapped[str] = mapped_column(Str(16), nullable=False)  # in_progress | finished
    started_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime6)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6)


class PracticeDetail(Base):
    """答题详情: one answer within a practice (a log: written once, no updated_at)."""

    __tablename__ = "practice_details"
    __table_args__ = table_args(UniqueConstraint("practice_id", "question_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), nullable=False)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), nullable=False,
                                             index=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)  # position within the practice
    # the student's answer; NULL = skipped (named ``answer`` before 1.2)
    user_answer: Mapped[str | None] = mapped_column(LongText)
    is_correct: Mapped[bool | None] = mapped_column(Boolean)
    time_spent: Mapped[int] = mapped_column(Integer, nullable=False)  # seconds
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)


class Mistake(Base):
    """错题本: a question a student got wrong, until mastered."""

    __tablename__ = "mistakes"
    __table_args__ = table_args(UniqueConstraint("user_id", "question_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), nullable=False,
                                             index=True)
    wrong_count: Mapped[int] = mapped_column(Integer, nullable=False)
    last_wrong_answer: Mapped[str | None] = mapped_column(Str(255))
    last_wrong_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    note: Mapped[str | None] = mapped_column(LongText)
    is_mastered: Mapped[bool] = mapped_column(Boolean, nullable=False)
    mastered_at: Mapped[datetime | None] = mapped_column(DateTime6)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6)


class Weakness(Base):
    """薄弱项: a student's accuracy on one knowledge point."""

    __tablename__ = "weaknesses"
    __table_args__ = table_args(UniqueConstraint("user_id", "knowledge_point_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    knowledge_point_id: Mapped[int] = mapped_column(ForeignKey("knowledge_points.id"),
                                                    nullable=False, index=True)
    total_count: Mapped[int] = mapped_column(Integer, nullable=False)
    wrong_count: Mapped[int] = mapped_column(Integer, nullable=False)
    accuracy: Mapped[Decimal] = mapped_column(Score, nullable=False)  # percent
    level: Mapped[str] = mapped_column(Str(16), nullable=False)  # high | medium | low
    suggestion: Mapped[str | None] = mapped_column(LongText)
    last_practiced_at: Mapped[datetime | None] = mapped_column(DateTime6)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6)


class StudyMaterial(Base):
    """学习资料: an uploaded file under uploads/ (the file itself is not archived)."""

    __tablename__ = "study_materials"
    __table_args__ = table_args(UniqueConstraint("file_path"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(Str(200), nullable=False)
    file_path: Mapped[str] = mapped_column(Str(255), nullable=False)  # uploads/materials/...
    file_size: Mapped[int] = mapped_column(Integer, nullable=False)  # bytes
    mime_type: Mapped[str] = mapped_column(Str(100), nullable=False)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    price: Mapped[Decimal] = mapped_column(Money, nullable=False)  # 0.00 = free
    download_count: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str | None] = mapped_column(LongText)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6)


SYSTEM = register(System(
    name="tiku",
    label="题库系统",
    metadata=Base.metadata,
    # Parents before children: every foreign key points at an earlier module
    # (or, for the two trees, at the module itself).
    modules=(
        Module("users", "用户", ("username",), sensitive=("password_hash",)),
        Module("categories", "分类", ("code",)),
        Module("knowledge_points", "知识点", ("code",)),
        Module("question_books", "题本", ("title",)),
        Module("questions", "题目", ("code",)),
        Module("question_knowledge", "题目知识点", ("question_id", "knowledge_point_id")),
        Module("exam_papers", "试卷", ("title",)),
        Module("exam_paper_questions", "试卷题目", ("paper_id", "position")),
        Module("practice_tasks", "练习任务", ("teacher_id", "title")),
        Module("student_submissions", "学员提交", ("task_id", "student_id")),
        Module("practices", "练习记录", ("user_id", "started_at")),
        Module("practice_details", "答题详情", ("practice_id", "question_id")),
        Module("mistakes", "错题本", ("user_id", "question_id")),
        Module("weaknesses", "薄弱项", ("user_id", "knowledge_point_id")),
        Module("study_materials", "学习资料", ("file_path",)),
    ),
    seed="toolkit.seed.tiku",
))
