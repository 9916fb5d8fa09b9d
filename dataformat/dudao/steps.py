"""Archive upgrade steps of dudao (督学系统), one per Alembic revision.

Each step does to an archive's records exactly what the paired revision in
migrations/dudao/versions/ does to the tables.
"""
from __future__ import annotations

from collections.abc import Iterator

from toolkit.archive import Archive, ModuleStream, Record
from toolkit.errors import ArchiveError
from toolkit.upgrade import step

# The same mapping as dudao_0002.
STATUS = {"出勤": "present", "迟到": "late", "缺勤": "absent", "请假": "leave"}


@step("dudao", "1.0", "1.1")
def attendance_status_enum(archive: Archive) -> Archive:
    """attendances.status 出勤/迟到/缺勤/请假 → present/late/absent/leave; students gain wechat_id (null).

    An unknown status stops the upgrade naming module, record index, id and
    field (dudao_0002 refuses such a database the same way). Streams record
    by record; holds nothing in memory.
    """
    def attendances(records: Iterator[Record]) -> Iterator[Record]:
        for index, r in enumerate(records):
            status = r.get("status")
            if status not in STATUS:
                raise ArchiveError(
                    f"status {status!r} is none of {'/'.join(STATUS)}; format 1.1 has no "
                    "value for it", file=archive.source, module="attendances", record=index,
                    record_id=r.get("id"), field="status",
                    hint="correct the record (or the database it came from) and upgrade again")
            yield {**r, "status": STATUS[status]}

    def open_modules() -> ModuleStream:
        for module, records in archive.modules():
            if module == "attendances":
                yield module, attendances(records)
            elif module == "students":
                yield module, ({**r, "wechat_id": None} for r in records)
            else:
                yield module, records

    return Archive(dict(archive.header), open_modules, archive.source, archive.notes)
