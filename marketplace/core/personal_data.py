"""Finding CPR numbers kept in free text before the rule against them (``refuse_cpr_in_text``)
was in place: every text column of every table that is not an identifier, a code, a hash or
the masked form is read, and the rows whose text holds a CPR-shaped number with a real birth
date are reported by table, column and primary key. The text itself is never reported."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from piccolo.columns import Text, Varchar
from piccolo.conf.apps import Finder

from marketplace.core.cpr import holds_cpr, is_free_text_field

_NOT_TEXT = re.compile(r"hash|digest|token|secret|masked|verifier|nonce|state")
BATCH = 1000


@dataclass
class Finding:
    table: str
    column: str
    ids: list[str] = field(default_factory=list)


async def rows_with_cpr() -> list[Finding]:
    """Per table and free-text column, the primary keys of rows holding a CPR number."""
    findings: list[Finding] = []
    for table in Finder().get_table_classes():
        columns = [
            c
            for c in table._meta.columns
            if isinstance(c, Varchar | Text)
            and not c._meta.primary_key
            and is_free_text_field(c._meta.name)
            and not _NOT_TEXT.search(c._meta.name)
        ]
        if not columns:
            continue
        pk = table._meta.primary_key
        found = {c._meta.name: Finding(table._meta.tablename, c._meta.name) for c in columns}
        offset = 0
        while True:
            rows = await table.select(pk, *columns).order_by(pk).limit(BATCH).offset(offset).run()
            for row in rows:
                for name, finding in found.items():
                    value = row.get(name)
                    if isinstance(value, str) and holds_cpr(value):
                        finding.ids.append(str(row[pk._meta.name]))
            if len(rows) < BATCH:
                break
            offset += BATCH
        findings += [f for f in found.values() if f.ids]
    return findings
