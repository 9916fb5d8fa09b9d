"""The registry of systems: each is its head models plus a module catalogue.

A system is registered exactly the way a third one would be: a module in this
package calls :func:`register` with its :class:`System`. Nothing elsewhere
names tiku or dudao.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


from sqlalchemy import MetaData


@dataclass(frozen=True)
class Module:
    """One module of a system = one table.

    key          table name, also the archive's module key
    label        中文名, shown to people (sheet tabs, reports)
    natural_key  columns that identify a row across deployments (a unique
                 constraint of NOT NULL columns in the models)
    sensitive    columns never exported (password hashes)
    """

    key: str
    label: str
    natural_key: tuple[str, ...]
    sensitive: tuple[str, ...] = ()


@dataclass(frozen=True)
class System:
    name: str
    label: str
    metadata: MetaData
    modules: tuple[Module, ...]
    seed: str = ""  # dotted path of the module whose ``generate(scale)`` seeds it

    def module(self, key: str) -> Module:
        for m in self.modules:
            if m.key == key:
                return m
        raise KeyError(key)


_REGISTRY: dict[str, System] = {}
_BUILTIN = ("toolkit.systems.tiku", "toolkit.systems.dudao")


def register(system: System) -> System:
    _REGISTRY[system.name] = system
    return system


def _load_builtin() -> None:
    for name in _BUILTIN:
        importlib.import_module(name)


def get(name: str) -> System:
    _load_builtin()
    return _REGISTRY[name]


def names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)
