"""Validate an archive as it flows: header, every record, counts, ids, keys, references.

:func:`checked` wraps an :class:`Archive` so each record is validated while a
consumer (import, upgrade-archive, ``toolkit validate``) streams it: one pass,
nothing held but compact id sets. The fast path is one compiled validator per
module (jsonschema-rs); only a record that fails it goes through
``jsonschema`` again, which names each field and what is wrong with it.

Problems are collected, not raised, so a run reports all of them (up to a
cap); ``strict=True`` raises one :class:`ArchiveError` when the stream ends
with problems, so an atomic writer or a transaction discards its work.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema_rs
import orjson
from jsonschema import Draft202012Validator

from toolkit import config as tk_config
from toolkit import versions
from toolkit.archive import Archive, Record
from toolkit.errors import ArchiveError, ToolkitError
from toolkit.schemas import FORMAT, VersionSchema

DEFAULT_CAP = 100


# ------------------------------------------------------------------ problems
@dataclass(frozen=True)
class Problem:
    file: str | None
    module: str | None
    index: int | None  # 0-based position in data.<module>, as in a JSON pointer
    id: object
    field: str | None
    message: str

    def __str__(self) -> str:
        return str(ToolkitError(self.message, file=self.file, module=self.module,
                                record=self.index, record_id=self.id, field=self.field))

    def as_dict(self) -> dict:
        return {"file": self.file, "module": self.module, "index": self.index, "id": self.id,
                "field": self.field, "message": self.message}


class Problems:
    """Keeps the first ``cap`` problems and counts the rest."""

    def __init__(self, cap: int = DEFAULT_CAP):
        self.cap = cap
        self.items: list[Problem] = []
        self.total = 0
        # An upgrade validates a record at each version: the same problem is
        # counted once (8 bytes of hash per distinct problem).
        self._seen: set[int] = set()

    def add(self, problem: Problem) -> None:
        h = key_hash((problem.file, problem.module, problem.index, str(problem.id),
                      problem.field, problem.message))
        if h in self._seen:
            return
        self._seen.add(h)
        self.total += 1
        if len(self.items) < self.cap:
            self.items.append(problem)

    @property
    def omitted(self) -> int:
        return self.total - len(self.items)

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    def __iter__(self):
        return iter(self.items)


# ------------------------------------------------------------------ compact sets
class IdSet:
    """Integer ids: a bitmap for the usual dense positive ids, a set for the rest.

    A million ids up to 10,000,000 cost 1.25 MB instead of ~60 MB as a set.
    """

    _BITMAP_LIMIT = 1 << 28  # ids beyond this (a 32 MB bitmap) go to the set

    def __init__(self):
        self.bits = bytearray()
        self.other: set[int] = set()

    def add(self, value: int) -> bool:
        """Add ``value``; False if it was already there."""
        if 0 <= value < self._BITMAP_LIMIT:
            byte, bit = value >> 3, 1 << (value & 7)
            if byte >= len(self.bits):
                self.bits.extend(bytes(max(byte + 1 - len(self.bits), len(self.bits))))
            if self.bits[byte] & bit:
                return False
            self.bits[byte] |= bit
            return True
        if value in self.other:
            return False
        self.other.add(value)
        return True

    def __contains__(self, value: int) -> bool:
        if 0 <= value < self._BITMAP_LIMIT:
            byte = value >> 3
            return byte < len(self.bits) and bool(self.bits[byte] & (1 << (value & 7)))
        return value in self.other


class HashSet64:
    """A set of 64-bit hashes in one flat array (open addressing, linear probing).

    8–16 bytes per entry instead of ~70 for a Python set of ints: a module of
    a million natural keys costs 16 MB.
    """

    def __init__(self):
        self.slots = array("q", bytes(8 * 1024))
        self.count = 0

    def add(self, h: int) -> bool:
        """Add ``h``; False if it was already there."""
        h = h or 1  # 0 marks an empty slot
        if 2 * (self.count + 1) > len(self.slots):
            self._grow()
        slots, mask = self.slots, len(self.slots) - 1
        i = h & mask
        while True:
            cur = slots[i]
            if cur == 0:
                slots[i] = h
                self.count += 1
                return True
            if cur == h:
                return False
            i = (i + 1) & mask

    def _grow(self) -> None:
        old = self.slots
        self.slots = array("q", bytes(16 * len(old)))
        self.count = 0
        for h in old:
            if h:
                self.add(h)


def key_hash(values: tuple) -> int:
    """A 64-bit hash of a natural key (Python's own tuple hash, xxHash-based).

    Two different keys collide with probability about n²/2⁶⁵: for a million
    records 3·10⁻⁸, so a false "duplicate natural key" is practically
    impossible while a module's keys cost 8–16 bytes each (:class:`HashSet64`).
    Values of one field share a JSON type, so ``1 == 1.0 == True`` cannot meet.
    """
    return hash(values)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# ------------------------------------------------------------------ messages
_KIND_PATTERN = {
    "datetime": "not a datetime YYYY-MM-DDTHH:MM:SS[.ffffff]",
    "date": "not a date YYYY-MM-DD",
    "decimal": "not a decimal number as a string",
}
_JSON_TYPE = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
              float: "number", type(None): "null"}


def _short(value) -> str:
    text = orjson.dumps(value).decode() if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _json_type(value) -> str:
    return _JSON_TYPE.get(type(value), type(value).__name__)


def _message(error, props: dict) -> tuple[str | None, str]:
    """(field, human message) for one ``jsonschema`` error in a record."""
    path = list(error.absolute_path)
    name = str(path[0]) if path else None
    kw, expected, value = error.validator, error.validator_value, error.instance
    if kw == "required":
        missing = error.message.split("'")[1] if "'" in error.message else None
        return missing, "is required"
    if kw == "additionalProperties":
        extra = sorted(set(value) - set(props))
        return ", ".join(extra), "unknown field (not in this format version)"
    if kw == "type":
        want = " or ".join(expected) if isinstance(expected, list) else expected
        return name, f"must be {want}, not {_json_type(value)} ({_short(value)})"
    if kw == "maxLength":
        return name, f"must be at most {expected} characters (has {len(value)})"
    if kw == "minLength":
        return name, f"must be at least {expected} characters"
    if kw == "maximum":
        return name, f"must be at most {expected} (is {value})"
    if kw == "minimum":
        return name, f"must be at least {expected} (is {value})"
    if kw == "enum":
        choices = ", ".join("null" if e is None else str(e) for e in expected)
        return name, f"must be one of {choices} (is {_short(value)})"
    if kw == "pattern":
        kind = props.get(name, {}).get("x-kind")
        return name, f"{_KIND_PATTERN.get(kind, 'does not match ' + expected)} (is {_short(value)})"
    if kw == "const":
        return name, f"must be {_short(expected)} (is {_short(value)})"
    return name, error.message


# ------------------------------------------------------------------ the checker
@dataclass
class _ModuleCheck:
    spec: object
    fast: object
    detailed: Draft202012Validator
    ids: IdSet = field(default_factory=IdSet)
    keys: HashSet64 | None = field(default_factory=HashSet64)
    seen: int = 0
    done: bool = False
    fks: list = field(default_factory=list)  # (field, target module): spec.foreign_keys, once


class _Checker:
    def __init__(self, archive: Archive, schema: VersionSchema, problems: Problems, strict: bool):
        self.archive = archive
        self.schema = schema
        self.problems = problems
        self.strict = strict
        self.file = archive.source
        self.modules: dict[str, _ModuleCheck] = {}
        self.refs: dict[str, IdSet] = {}
        # references whose target had not been fully seen: (module, field) → arrays
        self.pending: dict[tuple[str, str, str], tuple[array, array, array]] = {}
        self.finished = False
        self.unknown: set[str] = set()
        self.check_header()

    def problem(self, message, module=None, index=None, id=None, field=None):
        self.problems.add(Problem(self.file, module, index, id, field, message))

    # -------------------------------------------------------------- header
    def check_header(self) -> None:
        h, s = self.archive.header, self.schema
        if h.get("format") != FORMAT:
            self.problem(f"not a gongkao archive (format is {_short(h.get('format'))}, "
                         f"expected {FORMAT!r})")
        if h.get("system") != s.system:
            self.problem(f"archive is for system {_short(h.get('system'))}, expected {s.system}")
        if h.get("version") != s.version:
            self.problem(f"archive is format {_short(h.get('version'))}, expected {s.version}")
        elif h.get("schema_revision") != s.revision:
            self.problem(f"schema_revision {_short(h.get('schema_revision'))} does not match "
                         f"format {s.version}, which pins {s.revision}")
        # the rest of the envelope (scope, counts, refs) against the schema itself
        header_schema = {k: v for k, v in s.raw.items() if k != "required"}
        header_schema["properties"] = {k: v for k, v in s.raw["properties"].items()
                                       if k not in ("format", "system", "version",
                                                    "schema_revision", "data")}
        header_schema["required"] = [r for r in s.raw.get("required", ()) if r in
                                     header_schema["properties"]]
        header = {k: v for k, v in h.items() if k not in ("format", "system", "version",
                                                           "schema_revision")}
        for err in Draft202012Validator(header_schema).iter_errors(header):
            where = ".".join(str(p) for p in err.absolute_path) or "header"
            _, msg = _message(err, {})
            if err.validator == "required":
                where, msg = err.message.split("'")[1], "is required in the header"
            elif err.validator == "additionalProperties":
                msg = f"unknown entries {', '.join(sorted(set(err.instance) - set(err.schema.get('properties', {}))))}"
            self.problem(f"{where}: {msg}")
        for key, entries in (h.get("refs") or {}).items():
            ids = self.refs.setdefault(key, IdSet())
            for entry in entries if isinstance(entries, list) else ():
                if isinstance(entry, dict) and _is_int(entry.get("id")):
                    ids.add(entry["id"])

    # -------------------------------------------------------------- records
    def module(self, key: str) -> _ModuleCheck | None:
        if key not in self.modules:
            try:
                spec = self.schema.module(key)
            except KeyError:
                return None
            rec = spec.schema
            excluded = ((self.archive.header.get("scope") or {}).get("excluded_fields") or {}).get(key)
            if excluded:  # a field the export left out is not required
                rec = {**rec, "required": [r for r in rec["required"] if r not in excluded]}
            self.modules[key] = _ModuleCheck(spec, jsonschema_rs.Draft202012Validator(rec),
                                             Draft202012Validator(rec),
                                             fks=list(spec.foreign_keys.items()))
        return self.modules[key]

    def stream(self) -> Iterator[tuple[str, Iterator[Record]]]:
        this_pass: set[str] = set()
        for key, records in self.archive.modules():
            if key in this_pass:
                self.problem(f"module {key} appears twice in data", module=key)
            this_pass.add(key)
            mc = self.module(key)
            if mc is None:
                if key in self.unknown:
                    for _ in records:
                        pass
                    continue
                self.unknown.add(key)
                known = ", ".join(self.schema.module_keys)
                self.problem(f"unknown module {key} (format {self.schema.version} has {known})",
                             module=key)
                for _ in records:  # skip it: no later stage knows this module
                    pass
                continue
            yield key, records if mc.done else self.records(key, mc, records)
        if not self.finished and all(m.done for m in self.modules.values()):
            self.finish()

    def records(self, key: str, mc: _ModuleCheck, records: Iterator[Record]) -> Iterator[Record]:
        # A consumer may abandon a module and read it again later (a step that
        # looks ahead): records already checked are passed on, not re-checked.
        for index, record in enumerate(records):
            if index >= mc.seen:
                self.record(key, mc, index, record)
                mc.seen = index + 1
            yield record
        mc.done = True
        mc.keys = None  # natural-key hashes are only needed within the module

    def record(self, key: str, mc: _ModuleCheck, index: int, record: Record) -> None:
        rid = record.get("id") if isinstance(record, dict) else None
        if not mc.fast.is_valid(record):
            if not isinstance(record, dict):
                self.problem(f"a record must be an object, not {_json_type(record)}", key, index)
                return
            props = mc.spec.schema["properties"]
            for err in mc.detailed.iter_errors(record):
                name, msg = _message(err, props)
                self.problem(msg, key, index, rid, name)
        # the hot path of every import and validation: `type(x) is int` (not
        # bool), locals, and the common case (target seen in the archive) first
        if type(rid) is int and not mc.ids.add(rid):
            self.problem(f"duplicate id {rid}", key, index, rid, "id")
        nk = mc.spec.natural_key
        if nk and mc.keys is not None:
            values = tuple([record.get(f) for f in nk])
            if None not in values:
                if not mc.keys.add(key_hash(values)):
                    shown = ", ".join(f"{f}={_short(v)}" for f, v in zip(nk, values))
                    self.problem(f"duplicate natural key ({shown})", key, index, rid)
        modules = self.modules
        for name, target in mc.fks:
            value = record.get(name)
            if type(value) is not int:
                continue  # null (when allowed) or a type error reported above
            tc = modules.get(target)
            if tc is not None and value in tc.ids:
                continue
            refs = self.refs.get(target)
            if refs is not None and value in refs:
                continue
            if tc is not None and tc.done:
                self.dangling(key, index, rid, name, target, value)
            else:  # the target (itself, a deferred cycle, or later in the stream) may come later
                arrays = self.pending.setdefault((key, name, target),
                                                 (array("q"), array("q"), array("q")))
                arrays[0].append(index)
                arrays[1].append(rid if _is_int(rid) else -1)
                arrays[2].append(value)

    def dangling(self, key, index, rid, name, target, value) -> None:
        self.problem(f"refers to {target} id {value}, which is neither in the archive "
                     f"nor in refs.{target}", key, index, rid, name)

    # -------------------------------------------------------------- end
    def finish(self) -> None:
        self.finished = True
        for (key, name, target), (indexes, ids, values) in self.pending.items():
            tc = self.modules.get(target)
            refs = self.refs.get(target, ())
            for index, rid, value in zip(indexes, ids, values):
                if not (value in refs or (tc is not None and value in tc.ids)):
                    self.dangling(key, index, None if rid == -1 else rid, name, target, value)
        self.pending.clear()
        counts = self.archive.header.get("counts") or {}
        for key, stated in counts.items():
            mc = self.modules.get(key)
            seen = mc.seen if mc else 0
            if _is_int(stated) and stated != seen and self.schema_has(key):
                self.problem(f"counts.{key} says {stated} records, data has {seen}", module=key)
        if self.strict and self.problems:
            raise refusal(self.problems)

    def schema_has(self, key: str) -> bool:
        return key in self.schema.module_keys


def checked(archive: Archive, schema: VersionSchema, problems: Problems, *,
            strict: bool = False) -> Archive:
    """``archive`` with each record validated against ``schema`` as it is streamed.

    Header problems are found at once; record problems while the consumer
    reads; references to records later in the stream, ``counts`` and (with
    ``strict``) the raise happen when the last module has been read.
    """
    checker = _Checker(archive, schema, problems, strict)
    return Archive(archive.header, checker.stream, archive.source, archive.notes)


# ------------------------------------------------------------------ a whole file
@dataclass
class ValidationReport:
    file: str
    problems: Problems
    counts: dict[str, int] = field(default_factory=dict)
    version: str | None = None
    system: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        if self.ok:
            return f"{self.file}: ok, {self.records} records, {self.system} format {self.version}"
        n = self.problems.total
        return f"{self.file}: {n} problem{'s' if n != 1 else ''}"

    def as_dict(self) -> dict:
        return {"file": self.file, "ok": self.ok, "system": self.system, "version": self.version,
                "counts": self.counts, "problem_count": self.problems.total,
                "problems": [p.as_dict() for p in self.problems],
                "problems_omitted": self.problems.omitted}


def schema_for(header: dict, project: tk_config.Project | None = None,
               file: str | None = None) -> VersionSchema:
    """The schema an archive's header names, or an error saying what to do."""
    system, version = header.get("system"), header.get("version")
    if header.get("format") != FORMAT:
        raise ArchiveError(f"not a gongkao archive (format is {_short(header.get('format'))})",
                           file=file)
    try:
        if not isinstance(system, str):
            raise KeyError
        tk_config.get_system(system)
    except (KeyError, ToolkitError):
        raise ArchiveError(f"unknown system {_short(system)}", file=file) from None
    known = versions.chain(system, project)
    for s in known:
        if s.version == version:
            return s
    newest = known[-1].version if known else None
    if (isinstance(version, str) and newest and _newer(version, newest)):
        raise ArchiveError(f"format {version} is newer than this toolkit knows "
                           f"({system} up to {newest})", file=file,
                           hint="upgrade gongkao-toolkit (pip install -U gongkao-toolkit)")
    raise ArchiveError(f"unknown {system} format version {_short(version)} "
                       f"(known: {', '.join(s.version for s in known)})", file=file)


def _newer(version: str, newest: str) -> bool:
    try:
        return versions.version_key(version) > versions.version_key(newest)
    except ValueError:
        return False


def validate_archive(archive: Archive, project: tk_config.Project | None = None,
                     cap: int = DEFAULT_CAP) -> ValidationReport:
    """Read ``archive`` to the end and report every problem (up to ``cap``)."""
    problems = Problems(cap)
    report = ValidationReport(archive.source, problems, system=archive.system,
                              version=archive.version)
    try:
        schema = schema_for(archive.header, project, archive.source)
        for key, records in checked(archive, schema, problems).modules():
            report.counts[key] = sum(1 for _ in records)
    except ArchiveError as exc:  # unreadable from here on: the reader said why
        problems.add(Problem(exc.file or archive.source, exc.module, exc.record, exc.record_id,
                             exc.field, exc.message + (f" ({exc.hint})" if exc.hint else "")))
    return report


def validate_file(path: str | Path, project: tk_config.Project | None = None,
                  cap: int = DEFAULT_CAP) -> ValidationReport:
    """Validate one archive file (JSON, gzip, Excel, ``-`` for stdin)."""
    from toolkit.reader import open_archive

    try:
        archive = open_archive(path)
    except ArchiveError as exc:
        problems = Problems(cap)
        problems.add(Problem(exc.file or str(path), exc.module, exc.record, exc.record_id,
                             exc.field, exc.message + (f" ({exc.hint})" if exc.hint else "")))
        return ValidationReport(str(path), problems)
    return validate_archive(archive, project, cap)


# ------------------------------------------------------------------ upgrade, validated
def checked_upgrade(archive: Archive, target: str | None, project: tk_config.Project | None,
                    problems: Problems):
    """Plan the upgrade of ``archive`` to ``target`` (default newest) and chain it, validated.

    Returns ``(steps, stream)``: the input is checked against its own version
    and each step's result against the next version's schema while the caller
    streams; problems land in ``problems`` (the caller decides when to refuse).
    """
    from toolkit import upgrade

    source = schema_for(archive.header, project, archive.source)
    steps = upgrade.plan(source.system, source.version, target, project)
    stream = checked(archive, source, problems)
    stream = upgrade.run(stream, steps, project, check=lambda a, s: checked(a, s, problems))
    return steps, stream


def upgrade_checked(archive: Archive, target: str | None = None,
                    project: tk_config.Project | None = None):
    """:func:`checked_upgrade` for writing a file: the stream raises
    :class:`ArchiveError` at its end if anything failed, so an atomic write
    leaves no file behind."""
    problems = Problems()
    steps, stream = checked_upgrade(archive, target, project, problems)
    return steps, _guarded(stream, problems)


def refusal(problems: Problems, hint: str = "run `toolkit validate` for every problem") -> ArchiveError:
    """The first problem as the error that stops a run, the rest counted."""
    first = next(iter(problems))
    more = f" (and {problems.total - 1} more problems)" if problems.total > 1 else ""
    return ArchiveError(first.message + more, file=first.file, module=first.module,
                        record=first.index, record_id=first.id, field=first.field, hint=hint)


def _guarded(archive: Archive, problems: Problems) -> Archive:
    """Refuse at the end if anything failed; a step tripping over a record
    that already failed validation reports that problem, not a traceback."""
    def records(it):
        try:
            yield from it
        except ToolkitError:
            raise
        except Exception as exc:
            if problems:
                raise refusal(problems) from exc
            raise

    def stream():
        for key, it in archive.modules():
            yield key, records(it)
        if problems:
            raise refusal(problems)
    return Archive(archive.header, stream, archive.source, archive.notes)
