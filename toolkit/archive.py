"""The one in-memory form of an archive that every stage passes on.

An :class:`Archive` is its header (the envelope without ``data``) and a way
to stream its records module by module. JSON and Excel readers produce it,
writers consume it, ``extract`` makes one from a database, ``upgrade``
transforms one, ``load`` puts one into a database. Nothing holds a whole
module in memory.

``modules()`` yields ``(module_key, records)`` pairs in archive order; each
``records`` iterator must be consumed (or abandoned) before the next pair is
taken, as with :func:`itertools.groupby`. It may be called again to read the
input a second time (a step that needs another module first does so).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

Record = dict
ModuleStream = Iterator[tuple[str, Iterator[Record]]]


@dataclass
class Archive:
    header: dict
    open_modules: Callable[[], ModuleStream]
    source: str = "<archive>"  # file name (or "-") used in error messages
    notes: list[str] = field(default_factory=list)  # what steps did that a person should know

    def modules(self) -> ModuleStream:
        return self.open_modules()

    @property
    def system(self) -> str:
        return self.header.get("system")

    @property
    def version(self) -> str:
        return self.header.get("version")

    @classmethod
    def from_data(cls, header: dict, data: dict[str, Iterable[Record]], source: str = "<memory>") -> "Archive":
        """An archive over in-memory lists (tests, small tools)."""
        def open_modules() -> ModuleStream:
            for key, records in data.items():
                yield key, iter(records)
        return cls(dict(header), open_modules, source)

    def to_data(self) -> tuple[dict, dict[str, list[Record]]]:
        """Everything in memory: for tests and small archives only."""
        return dict(self.header), {k: list(r) for k, r in self.modules()}
