"""Files the pages hand out: CSV tables and SVG charts, as attachments that are not cached."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Response

from marketplace.core.clock import today


def download(body: str, media_type: str, filename: str) -> Response[str]:
    return Response(
        body,
        media_type=media_type,
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "no-store",
        },
    )


def csv_file(header: list[str], rows: list[list[Any]], name: str) -> Response[str]:
    """A table as CSV, named ``<name>-<today>.csv``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return download(out.getvalue(), "text/csv; charset=utf-8", f"{name}-{today()}.csv")
