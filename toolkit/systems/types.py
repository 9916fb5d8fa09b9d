"""Column types shared by every system's models.

One place decides how a logical type looks on each engine, so that a
natural key unique on PostgreSQL is unique on MariaDB too and datetimes keep
their microseconds everywhere.
"""
from __future__ import annotations

from sqlalchemy import JSON, DateTime, MetaData, Numeric, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase

# Constraint names are fixed so that Alembic revisions, downgrades and
# `toolkit check` see the same names on every engine.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Every table on MariaDB/MySQL: utf8mb4 (4-byte emoji, 𠀀) and a binary
# collation, so strings differing only in case or in an emoji stay distinct
# exactly as on PostgreSQL and SQLite.
MYSQL_TABLE_ARGS = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def make_base() -> type[DeclarativeBase]:
    """A fresh declarative base with its own MetaData, one per system."""

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)

    return Base


def table_args(*constraints, **kw):
    """``__table_args__`` for a model: its constraints plus the MariaDB options."""
    return (*constraints, {**MYSQL_TABLE_ARGS, **kw})


# DATETIME(6) on MariaDB keeps microseconds; elsewhere the plain type does.
DateTime6 = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

# SQL NULL stays SQL NULL; it is never turned into the JSON text 'null'.
JSONValue = JSON(none_as_null=True)


def Str(length: int) -> String:
    """A bounded string (VARCHAR(n)); `n` counts characters on every engine."""
    return String(length)


LongText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")

Money = Numeric(10, 2)
