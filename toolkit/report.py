"""What an import did: for people (lines) and for programs (JSON).

A dry run and a real run produce the same report; only ``dry_run`` and the
summary's verb differ, so a dry run is a faithful preview.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

COUNTS = ("inserted", "updated", "unchanged", "skipped", "conflicting")
MAX_LISTED = 20  # accounts / conflicts shown to people; the JSON has them all


@dataclass
class ModuleReport:
    key: str
    label: str
    archived: int = 0      # records the archive carried for this module
    deleted: int = 0       # rows removed first by --replace
    inserted: int = 0
    updated: int = 0       # existing rows overwritten with different values
    unchanged: int = 0     # existing rows that already held the archive's values (overwrite)
    skipped: int = 0       # existing rows kept (skip)
    conflicting: int = 0   # existing rows that stopped the import (error)


@dataclass
class Conflict:
    module: str
    record: int
    record_id: object
    key: dict

    def __str__(self) -> str:
        key = ", ".join(f"{k}={v!r}" for k, v in self.key.items())
        return f"data.{self.module}[{self.record}] (id {self.record_id}): {key} already exists"


@dataclass
class ImportReport:
    system: str
    source: str
    database: str            # masked URL
    archive_version: str
    target_version: str
    conflict: str = "error"
    replace: bool = False
    dry_run: bool = False
    plan: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    modules: list[ModuleReport] = field(default_factory=list)
    password_resets: list[str] = field(default_factory=list)  # usernames of new accounts
    conflicts: list[Conflict] = field(default_factory=list)   # the first few (error policy)
    committed: bool = False

    def module(self, key: str) -> ModuleReport:
        for m in self.modules:
            if m.key == key:
                return m
        raise KeyError(key)

    def total(self, what: str) -> int:
        return sum(getattr(m, what) for m in self.modules)

    # ------------------------------------------------------------ output
    def to_dict(self) -> dict:
        out = asdict(self)
        out["summary"] = self.summary()
        return out

    def summary(self) -> str:
        if self.dry_run:
            verb = "dry run, nothing written:"
        elif self.committed:
            verb = "imported:"
        else:
            verb = "not imported (rolled back):"
        counts = ", ".join(f"{self.total(c)} {c}" for c in COUNTS if self.total(c) or c == "inserted")
        deleted = self.total("deleted")
        if self.replace:
            counts = f"{deleted} deleted first, " + counts
        resets = f"; {len(self.password_resets)} accounts need a password reset" \
            if self.password_resets else ""
        return (f"{self.system} {self.source} → {self.database} "
                f"(format {self.target_version}): {verb} {counts}{resets}")

    def lines(self) -> list[str]:
        """The report for people, without the summary line."""
        out = []
        if self.archive_version != self.target_version:
            out.append(f"upgrade {self.archive_version} → {self.target_version}:")
            out += [f"  {p}" for p in self.plan]
        out += [f"note: {n}" for n in self.notes]
        cols = (["deleted"] if self.replace else []) + list(COUNTS)
        out.append(f"  {'module':<24} {'':<10}" + "".join(f"{c:>12}" for c in cols))
        for m in self.modules:
            if not (m.archived or m.deleted):
                continue
            out.append(f"  {m.key:<24} {_pad(m.label, 10)}"
                       + "".join(f"{getattr(m, c):>12}" for c in cols))
        if self.conflicts:
            out.append(f"conflicts (first {len(self.conflicts)}):")
            out += [f"  {c}" for c in self.conflicts]
        if self.password_resets:
            shown = self.password_resets[:MAX_LISTED]
            more = len(self.password_resets) - len(shown)
            out.append(f"accounts needing a password reset ({len(self.password_resets)}): "
                       + ", ".join(shown) + (f", … and {more} more" if more else ""))
        return out


def _pad(text: str, width: int) -> str:
    """Left-align text whose CJK characters take two columns on a terminal."""
    cols = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return text + " " * max(0, width - cols)
