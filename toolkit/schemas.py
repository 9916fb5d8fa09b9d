"""A format version's JSON Schema: derived from models + catalogue, or loaded.

``<V>.schema.json`` is the single description of the data at version V: the
archive envelope, one record schema per module and, as annotations, that
version's catalogue (``x-module``: 中文名, natural key, sensitive fields,
foreign keys, load order) and its pinned Alembic revision. Export,
validation and import at V read V's schema through :class:`VersionSchema`,
never the head models. :func:`derive` writes the head schema from the models;
released schemas are committed files and never change.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import MetaData, Table

from toolkit.errors import ArchiveError
from toolkit.systems import Module, System

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FORMAT = "gongkao-archive"
DATETIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
INT_RANGE = {
    "small": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "big": (-(2**63), 2**63 - 1),
}
HEADER_FIELDS = ("format", "system", "version", "schema_revision", "toolkit_version",
                 "exported_at", "scope", "counts", "refs")


# ------------------------------------------------------------------ reading
@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # integer string text boolean number decimal datetime date json binary enum
    nullable: bool
    references: str | None = None  # target module of a foreign key
    sensitive: bool = False


@dataclass
class ModuleSpec:
    key: str
    label: str
    natural_key: tuple[str, ...]
    sensitive: tuple[str, ...]
    foreign_keys: dict[str, str]
    deferred: tuple[str, ...]  # FK fields of a cycle: inserted NULL, filled before commit
    load_order: int
    fields: dict[str, FieldSpec]
    schema: dict = field(repr=False)

    @property
    def exported_fields(self) -> list[str]:
        return [f for f in self.fields if f not in self.sensitive]


class VersionSchema:
    """One committed ``<V>.schema.json`` and the catalogue it carries."""

    def __init__(self, raw: dict, path: Path | None = None):
        self.raw = raw
        self.path = path
        meta = raw.get("x-gongkao") or {}
        self.system: str = meta.get("system")
        self.version: str = meta.get("version")
        self.revision: str = raw["properties"]["schema_revision"]["const"]

    @classmethod
    def load(cls, path: Path) -> "VersionSchema":
        try:
            return cls(json.loads(Path(path).read_text(encoding="utf-8")), Path(path))
        except (OSError, ValueError, KeyError) as exc:
            raise ArchiveError(f"cannot read format schema: {exc}", file=str(path)) from exc

    @cached_property
    def modules(self) -> list[ModuleSpec]:
        out = []
        for key in self.raw["x-gongkao"]["load_order"]:
            rec = self.raw["$defs"][key]
            ann = rec["x-module"]
            fields = {
                name: FieldSpec(name, prop["x-kind"], _nullable(prop), prop.get("x-references"),
                                name in ann["sensitive"])
                for name, prop in rec["properties"].items()
            }
            out.append(ModuleSpec(key, ann["label"], tuple(ann["natural_key"]),
                                  tuple(ann["sensitive"]), dict(ann["foreign_keys"]),
                                  tuple(ann.get("deferred", ())), ann["load_order"], fields, rec))
        return out

    @cached_property
    def metadata(self) -> MetaData:
        """Core tables as this version describes them (for SELECT and INSERT).

        Built from the schema, not the head models, so export and import
        work against a database at this version's revision.
        """
        md = MetaData()
        for m in self.modules:
            pk = m.schema["x-module"]["primary_key"]
            Table(m.key, md, *(
                sa.Column(f.name, _SA_TYPES[f.kind](m.schema["properties"][f.name]),
                          primary_key=f.name in pk, autoincrement=f.name in pk,
                          nullable=f.nullable)
                for f in m.fields.values()))
        return md

    def table(self, key: str) -> Table:
        return self.metadata.tables[key]

    def module(self, key: str) -> ModuleSpec:
        for m in self.modules:
            if m.key == key:
                return m
        raise KeyError(key)

    @property
    def module_keys(self) -> list[str]:
        return [m.key for m in self.modules]


_SA_TYPES = {
    "integer": lambda p: sa.BigInteger() if p.get("maximum", 0) > 2**31 else sa.Integer(),
    "string": lambda p: sa.String(p.get("maxLength")),
    "text": lambda p: sa.Text(),
    "enum": lambda p: sa.String(max((len(e) for e in p["enum"] if e), default=1)),
    "boolean": lambda p: sa.Boolean(),
    "number": lambda p: sa.Float(),
    "decimal": lambda p: sa.Numeric(*_precision_scale(p), asdecimal=True),
    "datetime": lambda p: sa.DateTime(),
    "date": lambda p: sa.Date(),
    "json": lambda p: sa.JSON(none_as_null=True),
    "binary": lambda p: sa.LargeBinary(),
}


_DECIMAL = re.compile(r"^\^-\?\[0-9\]\{1,(\d+)\}(?:\(\\\.\[0-9\]\{1,(\d+)\}\)\?)?\$$")


def _precision_scale(prop: dict) -> tuple[int, int] | tuple[()]:
    """NUMERIC(p, s) back from the decimal pattern :func:`_kind` wrote.

    The scale matters on SQLite, which stores REAL: without it SQLAlchemy
    returns Decimal('0.8000000000') where PostgreSQL and MariaDB give
    Decimal('0.80'), and the archive would not match the pattern.
    """
    m = _DECIMAL.match(prop.get("pattern", ""))
    if not m:
        return ()
    whole, scale = int(m.group(1)), int(m.group(2) or 0)
    return whole + scale, scale


def _nullable(prop: dict) -> bool:
    if prop.get("not") == {"type": "null"}:
        return False
    t = prop.get("type")
    return t is None or t == "null" or (isinstance(t, list) and "null" in t)


# ------------------------------------------------------------------ deriving
def _kind(column: sa.Column) -> tuple[str, dict]:
    """The archive kind of a column and its JSON Schema (without null)."""
    t = column.type
    if isinstance(t, sa.types.TypeDecorator):
        t = t.impl if isinstance(t.impl, sa.types.TypeEngine) else t.impl()
    if isinstance(t, sa.Enum):
        return "enum", {"type": "string", "enum": list(t.enums)}
    if isinstance(t, sa.Boolean):
        return "boolean", {"type": "boolean"}
    if isinstance(t, sa.Integer):
        size = ("big" if isinstance(t, sa.BigInteger)
                else "small" if isinstance(t, sa.SmallInteger) else "integer")
        lo, hi = INT_RANGE[size]
        return "integer", {"type": "integer", "minimum": lo, "maximum": hi}
    if isinstance(t, sa.Numeric) and not isinstance(t, sa.Float):
        p, s = t.precision or 18, t.scale or 0
        frac = rf"(\.[0-9]{{1,{s}}})?" if s else ""
        return "decimal", {"type": "string", "pattern": rf"^-?[0-9]{{1,{p - s}}}{frac}$"}
    if isinstance(t, sa.Float):
        return "number", {"type": "number"}
    if isinstance(t, sa.DateTime):
        return "datetime", {"type": "string", "pattern": DATETIME_PATTERN}
    if isinstance(t, sa.Date):
        return "date", {"type": "string", "pattern": DATE_PATTERN}
    if isinstance(t, sa.JSON):
        return "json", {}
    if isinstance(t, sa.LargeBinary):
        return "binary", {"type": "string", "contentEncoding": "base64"}
    if isinstance(t, sa.String):
        if t.length:
            return "string", {"type": "string", "maxLength": t.length}
        return "text", {"type": "string"}
    raise TypeError(f"no archive kind for column {column.table.name}.{column.name} ({t!r})")


def _property(column: sa.Column, references: str | None) -> dict:
    kind, schema = _kind(column)
    if kind == "json":
        # any JSON value; SQL NULL is the archive's null, so NOT NULL says so
        if not column.nullable:
            schema["not"] = {"type": "null"}
    elif column.nullable:
        if "enum" in schema:
            schema["enum"] = schema["enum"] + [None]
        schema["type"] = [schema["type"], "null"]
    prop = {"x-kind": kind, **schema}
    if references:
        prop["x-references"] = references
    if column.comment:
        prop["description"] = column.comment
    return prop


def _foreign_keys(table: Table) -> dict[str, str]:
    fks = {}
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        fks[fk.parent.name] = fk.column.table.name
    return fks


def load_order(system: System) -> tuple[list[str], dict[str, list[str]]]:
    """Modules parents-first, and the FK fields deferred to break cycles.

    Self-references (trees) never block: the loader orders a tree's rows.
    A cycle is broken at a nullable foreign key, which is then inserted as
    NULL and filled in before commit.
    """
    tables = system.metadata.tables
    keys = [m.key for m in system.modules]
    deps = {k: {col: tgt for col, tgt in _foreign_keys(tables[k]).items() if tgt != k} for k in keys}
    deferred: dict[str, list[str]] = {}
    order: list[str] = []
    remaining = list(keys)
    while remaining:
        ready = [k for k in remaining if all(t in order for t in deps[k].values())]
        if not ready:
            # a cycle: defer the first nullable FK that points at a waiting module
            for k in remaining:
                cands = [c for c, t in deps[k].items()
                         if t in remaining and tables[k].c[c].nullable]
                if cands:
                    col = cands[0]
                    deferred.setdefault(k, []).append(col)
                    del deps[k][col]
                    break
            else:
                raise ValueError(f"{system.name}: foreign-key cycle without a nullable side "
                                 f"among {remaining}")
            continue
        order.append(ready[0])
        remaining.remove(ready[0])
    return order, deferred


def _record_schema(module: Module, table: Table, position: int, deferred: list[str]) -> dict:
    fks = _foreign_keys(table)
    props = {c.name: _property(c, fks.get(c.name)) for c in table.columns}
    for name in module.sensitive:
        props[name]["x-sensitive"] = True
    return {
        "type": "object",
        "title": module.label,
        "x-module": {
            "label": module.label,
            "primary_key": [c.name for c in table.primary_key.columns],
            "natural_key": list(module.natural_key),
            "sensitive": list(module.sensitive),
            "foreign_keys": fks,
            "deferred": deferred,
            "load_order": position,
        },
        "properties": props,
        "required": [c.name for c in table.columns if c.name not in module.sensitive],
        "additionalProperties": False,
    }


def _key_schema(module: Module, table: Table, with_id: bool) -> dict:
    fks = _foreign_keys(table)
    props = {}
    for col in module.natural_key:
        if col in fks:
            props[col] = {"$ref": f"#/$defs/{fks[col]}.key"}
        else:
            _, schema = _kind(table.c[col])
            props[col] = schema
    if with_id:
        props = {"id": {"type": "integer"}, **props}
    return {"type": "object", "properties": props, "required": list(props),
            "additionalProperties": False}


def derive(system: System, version: str, revision: str) -> dict:
    """The JSON Schema of ``system``'s archives, from its models and catalogue."""
    tables = system.metadata.tables
    order, deferred = load_order(system)
    by_key = {m.key: m for m in system.modules}
    defs: dict[str, dict] = {}
    for position, key in enumerate(order):
        defs[key] = _record_schema(by_key[key], tables[key], position, deferred.get(key, []))
    for key in order:
        defs[f"{key}.key"] = _key_schema(by_key[key], tables[key], with_id=False)
        defs[f"{key}.ref"] = _key_schema(by_key[key], tables[key], with_id=True)
    defs["scope"] = {
        "type": "object",
        "properties": {
            "since": {"type": ["string", "null"], "pattern": DATETIME_PATTERN},
            "modules": {"type": "array", "items": {"enum": order}, "uniqueItems": True},
            "excluded_fields": {"type": "object", "additionalProperties": {
                "type": "array", "items": {"type": "string"}}},
        },
        "required": ["since", "modules", "excluded_fields"],
        "additionalProperties": False,
    }
    per_module = lambda item: {k: item(k) for k in order}  # noqa: E731
    return {
        "$schema": DIALECT,
        "$id": f"urn:gongkao-toolkit:{system.name}:{version}",
        "title": f"{system.label} ({system.name}) archive, format {version}",
        "x-gongkao": {"system": system.name, "version": version, "load_order": order},
        "type": "object",
        "properties": {
            "format": {"const": FORMAT},
            "system": {"const": system.name},
            "version": {"const": version},
            "schema_revision": {"const": revision},
            "toolkit_version": {"type": "string"},
            "exported_at": {"type": "string"},
            "scope": {"$ref": "#/$defs/scope"},
            "counts": {"type": "object", "additionalProperties": False,
                       "properties": per_module(lambda k: {"type": "integer", "minimum": 0})},
            "refs": {"type": "object", "additionalProperties": False,
                     "properties": per_module(lambda k: {
                         "type": "array", "items": {"$ref": f"#/$defs/{k}.ref"}})},
            "data": {"type": "object", "additionalProperties": False,
                     "properties": per_module(lambda k: {
                         "type": "array", "items": {"$ref": f"#/$defs/{k}"}})},
        },
        "required": [*HEADER_FIELDS, "data"],
        "additionalProperties": False,
        "$defs": defs,
    }


def dumps(schema: dict) -> str:
    """The committed text of a schema (stable, readable, UTF-8)."""
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
