"""`toolkit new-version`: the next format version, its revision, schema and step stub.

After a developer changes the models:
  1. autogenerate the next Alembic revision (``<system>_<NNNN>``) against a
     temporary SQLite database at the current head;
  2. write ``dataformat/<system>/<V+0.1>.schema.json`` derived from the models,
     pinned to that revision;
  3. append a step stub to ``dataformat/<system>/steps.py`` that raises
     NotImplementedError, so tests fail until its body is written.
A column dropped and another added in the same table is reported: autogenerate
cannot see a rename and the drop would lose the data.
"""
from __future__ import annotations

import contextlib
import io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command

from toolkit import check, migrate, schemas, versions
from toolkit import config as tk_config
from toolkit.errors import UsageError
from toolkit.upgrade import steps_file


@dataclass
class NewVersion:
    system: str
    version: str
    revision: str
    revision_file: Path
    schema_file: Path
    steps_file: Path
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def next_version(version: str) -> str:
    major, minor = version.split(".")
    return f"{major}.{int(minor) + 1}"


def next_revision_id(system: str, project: tk_config.Project) -> str:
    numbers = [int(m.group(1)) for rev in migrate.script_directory(system, project).walk_revisions()
               if (m := re.fullmatch(rf"{re.escape(system)}_(\d+)", rev.revision))]
    return f"{system}_{max(numbers, default=0) + 1:04d}"


def new_version(system: str, message: str, project: tk_config.Project | None = None) -> NewVersion:
    """Create the next format version of ``system`` from its models (see module doc)."""
    project = project or tk_config.find_project()
    sys_ = tk_config.get_system(system)
    if not message.strip():
        raise UsageError("say what changed with -m MESSAGE")
    heads = migrate.heads(system, project)
    if len(heads) != 1:
        raise UsageError(f"{system} has {len(heads)} Alembic heads",
                         hint=f"merge them first: `alembic -n {system} merge heads -m MSG`")
    newest = versions.head(system, project)
    if newest.revision != heads[0]:
        raise UsageError(f"newest format {newest.version} pins {newest.revision}, but the Alembic "
                         f"head is {heads[0]}", hint="pair them before adding a version "
                                                     "(see `toolkit check`)")
    version = next_version(newest.version)
    rev_id = next_revision_id(system, project)
    changes = check.pending_changes(system, project)

    with tempfile.TemporaryDirectory(prefix="toolkit-new-version-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'head.db'}"
        migrate.upgrade(system, url, "head", project=project)
        cfg = migrate.alembic_config(system, url, project)
        with contextlib.redirect_stdout(io.StringIO()):  # alembic's "Generating …" line
            script = command.revision(cfg, message=f"format {version}: {message.strip()}",
                                      autogenerate=True, rev_id=rev_id)
    revision_file = Path(script.path)

    schema_file = project.dataformat(system) / f"{version}.schema.json"
    schema_file.write_text(schemas.dumps(schemas.derive(sys_, version, rev_id)), encoding="utf-8")
    versions._chain_at.cache_clear()  # the chain just grew

    steps = steps_file(system, project)
    _append_step_stub(steps, system, newest.version, version, rev_id, message.strip())
    return NewVersion(system, version, rev_id, revision_file, schema_file, steps, changes,
                      rename_warnings(changes, revision_file, project))


def regenerate_head(system: str, project: tk_config.Project | None = None) -> Path:
    """Rewrite the newest schema from the models (only while it is unreleased)."""
    project = project or tk_config.find_project()
    newest = versions.head(system, project)
    derived = schemas.derive(tk_config.get_system(system), newest.version, newest.revision)
    newest.path.write_text(schemas.dumps(derived), encoding="utf-8")
    versions._chain_at.cache_clear()
    return newest.path


def rename_warnings(changes: list[str], revision_file: Path, project: tk_config.Project) -> list[str]:
    """A drop and an add in one table may be a rename that autogenerate cannot see."""
    dropped: dict[str, list[str]] = {}
    added: dict[str, list[str]] = {}
    for c in changes:
        op, _, where = c.partition(" ")
        table, _, col = where.partition(".")
        if op == "remove_column":
            dropped.setdefault(table, []).append(col)
        elif op == "add_column":
            added.setdefault(table, []).append(col)
    out = []
    rel = revision_file.relative_to(project.root) if revision_file.is_relative_to(project.root) \
        else revision_file
    for table in sorted(set(dropped) & set(added)):
        old, new = dropped[table][0], added[table][0]
        out.append(
            f"{table}: column {', '.join(dropped[table])} dropped and {', '.join(added[table])} "
            f"added; the drop loses its data. If it is a rename, replace the drop and the add in "
            f"{rel} with `with op.batch_alter_table(\"{table}\") as batch_op: "
            f"batch_op.alter_column(\"{old}\", new_column_name=\"{new}\")` (and the reverse in "
            f"downgrade), and rename the field in the step")
    return out


_STUB = '''

@step("{system}", "{source}", "{target}")
def upgrade_{fn}(archive: Archive) -> Archive:
    """{message}"""
    raise NotImplementedError(
        "write the upgrade step {system} {source} → {target} in dataformat/{system}/steps.py: "
        "do to the records what revision {revision} does to the tables")
'''

_HEADER = '''"""Archive upgrade steps of {system}, one per Alembic revision."""
from __future__ import annotations

from toolkit.archive import Archive
from toolkit.upgrade import step
'''


def _append_step_stub(path: Path, system: str, source: str, target: str, revision: str,
                      message: str) -> None:
    text = path.read_text(encoding="utf-8") if path.is_file() else _HEADER.format(system=system)
    if not re.search(r"^from toolkit\.archive import .*\bArchive\b", text, re.M):
        text = text.replace("\nfrom toolkit", "\nfrom toolkit.archive import Archive\nfrom toolkit", 1)
    stub = _STUB.format(system=system, source=source, target=target, revision=revision,
                        fn=f"{source}_to_{target}".replace(".", "_"),
                        message=message.replace('"""', "'''"))
    path.write_text(text.rstrip("\n") + "\n" + stub, encoding="utf-8")
