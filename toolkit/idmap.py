"""Archive id → database id, per module.

A row keeps its archive id whenever it can (restoring into an empty database
keeps every id), so the map stores only the ids that *change*; every other
known id maps to itself. Which archive ids are known at all is kept as sorted
ranges: a restore of a million consecutive ids holds one range, not a million
entries. An id the map does not know is a dangling reference, never silently
taken as "the same number in the target" (that could be an unrelated row).

References resolved through the header's ``refs`` land here too; a ref whose
natural key is not in the target database is remembered as *missing* so the
error can name the key the record pointed at.
"""
from __future__ import annotations

from bisect import bisect_right


class IdRanges:
    """A set of integers stored as sorted, disjoint, non-adjacent [start, end] ranges."""

    def __init__(self):
        self._starts: list[int] = []
        self._ends: list[int] = []

    def add(self, n: int) -> None:
        starts, ends = self._starts, self._ends
        # fast path: ids usually arrive in increasing order
        if ends and n == ends[-1] + 1:
            ends[-1] = n
            return
        i = bisect_right(starts, n) - 1  # range starting at or before n
        if i >= 0 and n <= ends[i]:
            return
        joins_left = i >= 0 and ends[i] == n - 1
        joins_right = i + 1 < len(starts) and starts[i + 1] == n + 1
        if joins_left and joins_right:
            ends[i] = ends[i + 1]
            del starts[i + 1], ends[i + 1]
        elif joins_left:
            ends[i] = n
        elif joins_right:
            starts[i + 1] = n
        else:
            starts.insert(i + 1, n)
            ends.insert(i + 1, n)

    def __contains__(self, n: int) -> bool:
        i = bisect_right(self._starts, n) - 1
        return i >= 0 and n <= self._ends[i]

    def __len__(self) -> int:  # number of ranges, a measure of memory
        return len(self._starts)


class ModuleIds:
    """The id map of one module."""

    def __init__(self):
        self.changed: dict[int, int] = {}   # archive id → different database id
        self.same = IdRanges()              # archive ids that are also the database id
        self.missing: dict[int, dict] = {}  # ref id → natural key not found in the database

    def put(self, archive_id: int, db_id: int) -> None:
        if archive_id == db_id:
            self.same.add(archive_id)
        else:
            self.changed[archive_id] = db_id

    def get(self, archive_id: int) -> int | None:
        found = self.changed.get(archive_id)
        if found is not None:
            return found
        return archive_id if archive_id in self.same else None


class IdMap:
    """Per module: archive id → database id."""

    def __init__(self):
        self.modules: dict[str, ModuleIds] = {}

    def module(self, key: str) -> ModuleIds:
        ids = self.modules.get(key)
        if ids is None:
            ids = self.modules[key] = ModuleIds()
        return ids

    def put(self, module: str, archive_id: int, db_id: int) -> None:
        self.module(module).put(archive_id, db_id)

    def get(self, module: str, archive_id: int) -> int | None:
        ids = self.modules.get(module)
        return ids.get(archive_id) if ids is not None else None

    def missing(self, module: str, archive_id: int) -> dict | None:
        """The natural key of a ref that could not be resolved, if that is what ``archive_id`` is."""
        ids = self.modules.get(module)
        return ids.missing.get(archive_id) if ids is not None else None

    def size(self) -> int:
        """Entries held (changed ids + ranges): what the map costs in memory."""
        return sum(len(m.changed) + len(m.same) for m in self.modules.values())
