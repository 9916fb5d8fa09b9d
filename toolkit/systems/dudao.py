"""督学系统 (dudao, student supervision): head models and module catalogue.

Archive format version 1.1 (attendances.status became an enum, students
gained wechat_id). The models mirror the tables of the Flask app:
plain columns, no ORM relationships (the toolkit works with Core only).

Foreign-key cycle: ``students.latest_log_id`` (nullable) → ``supervision_logs``
and ``supervision_logs.student_id`` (NOT NULL) → ``students``. The nullable
side is created with ``use_alter`` so ``create_all`` works on every engine; a
loader inserts students with ``latest_log_id`` NULL and fills it in afterwards.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from toolkit.systems import Module, System, register
from toolkit.systems.types import DateTime6, JSONValue, LongText, Money, Str, make_base, table_args

Base = make_base()

Score = Numeric(5, 2)


# ── accounts and staff ──────────────────────────────────────────────────────

class User(Base):
    """A login account: admin, teacher, supervisor (督学老师) or student."""

    __tablename__ = "users"
    __table_args__ = table_args(UniqueConstraint("username"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(Str(64), nullable=False)
    password_hash: Mapped[str] = mapped_column(Str(255), nullable=False)
    real_name: Mapped[str | None] = mapped_column(Str(64), nullable=True)
    phone: Mapped[str | None] = mapped_column(Str(20), nullable=True)
    email: Mapped[str | None] = mapped_column(Str(128), nullable=True)
    role: Mapped[str] = mapped_column(Str(16), nullable=False)  # admin/teacher/supervisor/student
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class Subject(Base):
    """科目: 行测, 申论, 面试, …"""

    __tablename__ = "subjects"
    __table_args__ = table_args(UniqueConstraint("code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Str(32), nullable=False)
    name: Mapped[str] = mapped_column(Str(32), nullable=False)
    description: Mapped[str | None] = mapped_column(Str(255), nullable=True)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class Teacher(Base):
    """教师 (lecturers and supervisors); one per user account."""

    __tablename__ = "teachers"
    __table_args__ = table_args(UniqueConstraint("user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    name: Mapped[str] = mapped_column(Str(64), nullable=False)
    title: Mapped[str | None] = mapped_column(Str(32), nullable=True)  # 讲师/主讲/高级讲师/督学老师
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), nullable=True)
    phone: Mapped[str | None] = mapped_column(Str(20), nullable=True)
    intro: Mapped[str | None] = mapped_column(LongText, nullable=True)
    is_supervisor: Mapped[bool] = mapped_column(Boolean, nullable=False)
    hired_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


# ── products and classes ────────────────────────────────────────────────────

class Project(Base):
    """项目: an exam the company prepares for (2027国考, 2027省考联考, …)."""

    __tablename__ = "projects"
    __table_args__ = table_args(UniqueConstraint("code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Str(32), nullable=False)
    name: Mapped[str] = mapped_column(Str(64), nullable=False)
    exam_type: Mapped[str] = mapped_column(Str(32), nullable=False)  # 国考/省考/事业单位/选调生
    exam_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    description: Mapped[str | None] = mapped_column(LongText, nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class Package(Base):
    """套餐: what a student buys, within a project."""

    __tablename__ = "packages"
    __table_args__ = table_args(UniqueConstraint("code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False)
    code: Mapped[str] = mapped_column(Str(32), nullable=False)
    name: Mapped[str] = mapped_column(Str(128), nullable=False)
    price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    original_price: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    duration_days: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str | None] = mapped_column(LongText, nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class ClassType(Base):
    """班型: 全程班, 冲刺班, 1对1, 协议班, …"""

    __tablename__ = "class_types"
    __table_args__ = table_args(UniqueConstraint("code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Str(32), nullable=False)
    name: Mapped[str] = mapped_column(Str(64), nullable=False)
    teaching_mode: Mapped[str] = mapped_column(Str(16), nullable=False)  # 线上/线下/混合
    max_students: Mapped[int | None] = mapped_column(Integer, nullable=True)
    description: Mapped[str | None] = mapped_column(LongText, nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class ClassBatch(Base):
    """班次: one run of a class type for a project (e.g. 2027国考全程班3期)."""

    __tablename__ = "class_batches"
    __table_args__ = table_args(UniqueConstraint("code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Str(32), nullable=False)
    name: Mapped[str] = mapped_column(Str(128), nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False)
    class_type_id: Mapped[int] = mapped_column(ForeignKey("class_types.id"), nullable=False)
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id"), nullable=True)
    head_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teachers.id"), nullable=True)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(Str(16), nullable=False)  # 招生中/进行中/已结课
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class Schedule(Base):
    """课表: one lesson of a batch."""

    __tablename__ = "schedules"
    __table_args__ = table_args(UniqueConstraint("batch_id", "start_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("class_batches.id"), nullable=False)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), nullable=False)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teachers.id"), nullable=True)
    title: Mapped[str] = mapped_column(Str(200), nullable=False)
    start_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    end_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    location: Mapped[str | None] = mapped_column(Str(128), nullable=True)
    live_url: Mapped[str | None] = mapped_column(Str(255), nullable=True)
    extra: Mapped[Any] = mapped_column(JSONValue, nullable=True)  # platform, meeting id, materials
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class ScheduleChangeLog(Base):
    """调课记录: an append-only log of lesson reschedules."""

    __tablename__ = "schedule_change_logs"
    __table_args__ = table_args(UniqueConstraint("schedule_id", "changed_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    old_start_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    new_start_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    old_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teachers.id"), nullable=True)
    new_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teachers.id"), nullable=True)
    reason: Mapped[str | None] = mapped_column(Str(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)


class CourseRecording(Base):
    """课程录播: a recorded lesson (usually of a schedule, sometimes standalone)."""

    __tablename__ = "course_recordings"
    __table_args__ = table_args(UniqueConstraint("code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Str(32), nullable=False)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id"), nullable=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), nullable=False)
    title: Mapped[str] = mapped_column(Str(200), nullable=False)
    video_url: Mapped[str] = mapped_column(Str(500), nullable=False)
    duration_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    is_published: Mapped[bool] = mapped_column(Boolean, nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


# ── dictionaries ────────────────────────────────────────────────────────────

class WeaknessTag(Base):
    """薄弱标签: a weak point a supervisor can tag a student with."""

    __tablename__ = "weakness_tags"
    __table_args__ = table_args(UniqueConstraint("subject_id", "name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), nullable=False)
    name: Mapped[str] = mapped_column(Str(64), nullable=False)
    description: Mapped[str | None] = mapped_column(Str(255), nullable=True)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class ModuleCategory(Base):
    """题型分类: a tree (科目 → 模块 → 题型) via the nullable ``parent_id``."""

    __tablename__ = "module_categories"
    __table_args__ = table_args(UniqueConstraint("code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Str(32), nullable=False)
    name: Mapped[str] = mapped_column(Str(64), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("module_categories.id"), nullable=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), nullable=True)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


# ── students and supervision ────────────────────────────────────────────────

class Student(Base):
    """学员. Batches via student_batches; ``latest_log_id`` closes the FK cycle."""

    __tablename__ = "students"
    __table_args__ = table_args(UniqueConstraint("student_no"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student_no: Mapped[str] = mapped_column(Str(32), nullable=False)  # S2026000123
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    name: Mapped[str] = mapped_column(Str(64), nullable=False)
    phone: Mapped[str | None] = mapped_column(Str(20), nullable=True)
    gender: Mapped[str | None] = mapped_column(Str(8), nullable=True)  # 男/女
    id_card: Mapped[str | None] = mapped_column(Str(18), nullable=True)
    target_exam: Mapped[str | None] = mapped_column(Str(64), nullable=True)  # 2027国考
    wechat_id: Mapped[str | None] = mapped_column(Str(64), nullable=True)  # format 1.1
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("teachers.id"), nullable=True)
    latest_log_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_logs.id", use_alter=True), nullable=True)
    status: Mapped[str] = mapped_column(Str(16), nullable=False)  # 在读/休学/已结课
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class StudentBatch(Base):
    """学员班次: which batches a student attends (association with its own id)."""

    __tablename__ = "student_batches"
    __table_args__ = table_args(UniqueConstraint("student_id", "batch_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), nullable=False)
    batch_id: Mapped[int] = mapped_column(ForeignKey("class_batches.id"), nullable=False)
    joined_on: Mapped[date] = mapped_column(Date, nullable=False)
    source: Mapped[str | None] = mapped_column(Str(32), nullable=True)  # 购课/转班/赠送
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)


class SupervisionLog(Base):
    """督学日志: one follow-up of a student by a supervisor (append-only)."""

    __tablename__ = "supervision_logs"
    __table_args__ = table_args(UniqueConstraint("student_id", "logged_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), nullable=False)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("teachers.id"), nullable=True)
    logged_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    channel: Mapped[str] = mapped_column(Str(16), nullable=False)  # 微信/电话/面谈/小程序
    content: Mapped[str] = mapped_column(LongText, nullable=False)
    mood: Mapped[str | None] = mapped_column(Str(16), nullable=True)
    study_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    weakness_tag_id: Mapped[int | None] = mapped_column(ForeignKey("weakness_tags.id"), nullable=True)
    next_follow_up_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)


# ── homework and attendance ─────────────────────────────────────────────────

class HomeworkTask(Base):
    """作业任务: homework assigned to a batch."""

    __tablename__ = "homework_tasks"
    __table_args__ = table_args(UniqueConstraint("batch_id", "title"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("class_batches.id"), nullable=False)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), nullable=False)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teachers.id"), nullable=True)
    module_category_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_categories.id"), nullable=True)
    title: Mapped[str] = mapped_column(Str(200), nullable=False)
    content: Mapped[str | None] = mapped_column(LongText, nullable=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    due_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    total_score: Mapped[Decimal] = mapped_column(Score, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class HomeworkSubmission(Base):
    """作业提交: a student's answer to a homework task, graded later."""

    __tablename__ = "homework_submissions"
    __table_args__ = table_args(UniqueConstraint("task_id", "student_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("homework_tasks.id"), nullable=False)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    content: Mapped[str | None] = mapped_column(LongText, nullable=True)
    attachment_url: Mapped[str | None] = mapped_column(Str(500), nullable=True)
    status: Mapped[str] = mapped_column(Str(16), nullable=False)  # 已提交/已批改/迟交
    score: Mapped[Decimal | None] = mapped_column(Score, nullable=True)
    graded_by: Mapped[int | None] = mapped_column(ForeignKey("teachers.id"), nullable=True)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)
    feedback: Mapped[str | None] = mapped_column(LongText, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


# 出勤 → present, 迟到 → late, 缺勤 → absent, 请假 → leave (see dudao_0002).
ATTENDANCE_STATUS = Enum("present", "late", "absent", "leave", name="attendance_status")


class Attendance(Base):
    """考勤记录: one student at one lesson."""

    __tablename__ = "attendances"
    __table_args__ = table_args(UniqueConstraint("student_id", "schedule_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), nullable=False)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"), nullable=False)
    # Plain Chinese text 出勤/迟到/缺勤/请假 at 1.0; an enum since 1.1 (dudao_0002).
    status: Mapped[str] = mapped_column(ATTENDANCE_STATUS, nullable=False)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)
    remark: Mapped[str | None] = mapped_column(Str(255), nullable=True)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


# ── study plans ─────────────────────────────────────────────────────────────

class StudyPlan(Base):
    """学习计划: a supervisor's plan for one student over a period."""

    __tablename__ = "study_plans"
    __table_args__ = table_args(UniqueConstraint("student_id", "start_date"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), nullable=False)
    title: Mapped[str] = mapped_column(Str(200), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(Str(16), nullable=False)  # 草稿/进行中/已完成/已中止
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    summary: Mapped[str | None] = mapped_column(LongText, nullable=True)
    meta: Mapped[Any] = mapped_column(JSONValue, nullable=True)  # weekly hours, focus modules, …
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class PlanGoal(Base):
    """计划目标: a numbered goal of a study plan."""

    __tablename__ = "plan_goals"
    __table_args__ = table_args(UniqueConstraint("plan_id", "seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plans.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), nullable=True)
    description: Mapped[str] = mapped_column(Str(255), nullable=False)
    target_score: Mapped[Decimal | None] = mapped_column(Score, nullable=True)
    achieved: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class PlanTask(Base):
    """计划任务: a numbered task of a study plan, optionally serving a goal."""

    __tablename__ = "plan_tasks"
    __table_args__ = table_args(UniqueConstraint("plan_id", "seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plans.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("plan_goals.id"), nullable=True)
    module_category_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_categories.id"), nullable=True)
    title: Mapped[str] = mapped_column(Str(200), nullable=False)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    estimated_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(Str(16), nullable=False)  # 未开始/进行中/已完成
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime6, nullable=True)


class PlanProgress(Base):
    """计划进度: a progress report on a plan task (append-only)."""

    __tablename__ = "plan_progresses"
    __table_args__ = table_args(UniqueConstraint("task_id", "recorded_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("plan_tasks.id"), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)
    percent: Mapped[int] = mapped_column(Integer, nullable=False)  # 0–100
    minutes_spent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score: Mapped[Decimal | None] = mapped_column(Score, nullable=True)
    note: Mapped[str | None] = mapped_column(Str(255), nullable=True)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime6, nullable=False)


SYSTEM = register(System(
    name="dudao",
    label="督学系统",
    metadata=Base.metadata,
    modules=(
        Module("users", "用户", ("username",), sensitive=("password_hash",)),
        Module("subjects", "科目", ("code",)),
        Module("teachers", "教师", ("user_id",)),
        Module("projects", "项目", ("code",)),
        Module("packages", "套餐", ("code",)),
        Module("class_types", "班型", ("code",)),
        Module("class_batches", "班次", ("code",)),
        Module("schedules", "课表", ("batch_id", "start_at")),
        Module("schedule_change_logs", "调课记录", ("schedule_id", "changed_at")),
        Module("course_recordings", "课程录播", ("code",)),
        Module("weakness_tags", "薄弱标签", ("subject_id", "name")),
        Module("module_categories", "题型分类", ("code",)),
        Module("students", "学员", ("student_no",)),
        Module("student_batches", "学员班次", ("student_id", "batch_id")),
        Module("supervision_logs", "督学日志", ("student_id", "logged_at")),
        Module("homework_tasks", "作业任务", ("batch_id", "title")),
        Module("homework_submissions", "作业提交", ("task_id", "student_id")),
        Module("attendances", "考勤记录", ("student_id", "schedule_id")),
        Module("study_plans", "学习计划", ("student_id", "start_date")),
        Module("plan_goals", "计划目标", ("plan_id", "seq")),
        Module("plan_tasks", "计划任务", ("plan_id", "seq")),
        Module("plan_progresses", "计划进度", ("task_id", "recorded_at")),
    ),
    seed="toolkit.seed.dudao",
))
