"""Spreadsheets in and out: a price catalogue as .xlsx (xlsxwriter), and the rows of an
uploaded .xlsx, .xls, .ods (python-calamine) or .csv file as text."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook

from marketplace.core.errors import DomainError, ErrorCode
from marketplace.offers import bulk

MAX_IMPORT_BYTES = 5_000_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"
_WIDTHS = {"offer": 34, "provider": 30, "description": 40, "covers": 36, "add_ons": 40}


def catalogue_xlsx(rows: Sequence[dict[str, Any]], title: str) -> bytes:
    """The rows under a header of ``bulk.COLUMNS``: frozen header, autofilter, text written
    as text (never a formula), amounts and counts as numbers."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Takstkatalog")
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    money = book.add_format({"num_format": "#,##0.00"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for col, name in enumerate(bulk.COLUMNS):
        sheet.write_string(0, col, name, bold)
        sheet.set_column(col, col, _WIDTHS.get(name, 14))
    for row_number, row in enumerate(rows, start=1):
        for col, name in enumerate(bulk.COLUMNS):
            _write(sheet, row_number, col, row.get(name, ""), money, wrap)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(bulk.COLUMNS) - 1)
    book.set_properties({"title": title, "author": "Socialmarked"})
    book.close()
    return out.getvalue()


def _write(sheet: Any, row: int, col: int, value: Any, money: Any, wrap: Any) -> None:
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, float(value), money)
    elif isinstance(value, int):
        sheet.write_number(row, col, value)
    else:
        text = str(value)
        sheet.write_string(row, col, text, wrap if "\n" in text else None)


# --- reading ------------------------------------------------------------------------------------


def _not_a_spreadsheet(detail: str) -> DomainError:
    return DomainError(
        ErrorCode.INVALID,
        f"The file is not a spreadsheet (.xlsx, .xls, .ods or .csv): {detail}.",
        ["file"],
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _workbook_rows(body: bytes) -> list[list[Any]]:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(body))
        if not book.sheet_names:
            raise _not_a_spreadsheet("it has no sheets")
        rows: list[list[Any]] = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except DomainError:
        raise
    except Exception as error:  # calamine's errors name no common base
        raise _not_a_spreadsheet(type(error).__name__) from None
    return rows


def _csv_rows(body: bytes) -> list[list[str]]:
    if b"\x00" in body[:4096]:
        raise _not_a_spreadsheet("it holds binary data")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _not_a_spreadsheet("CSV must be UTF-8") from None
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    if first.count(delimiter) == 0:
        raise _not_a_spreadsheet("no columns in the first line")
    try:  # newline="": a lone carriage return ends a line too (old Mac files), as in a file
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:  # a field over the csv module's size limit, say
        raise _not_a_spreadsheet(f"the CSV cannot be read ({error})") from None


def read_table(body: bytes) -> bulk.Table:
    """The first sheet (or the CSV) as text, its first row the header."""
    if not body:
        raise _not_a_spreadsheet("it is empty")
    if len(body) > MAX_IMPORT_BYTES:
        raise too_large()
    raw = _workbook_rows(body) if body[:4] in (_ZIP, _OLE) else _csv_rows(body)
    rows = [[_text(cell) for cell in row] for row in raw]
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise _not_a_spreadsheet("it has no header row")
    return bulk.Table(header=rows[0], rows=rows[1:])


def too_large() -> DomainError:
    return DomainError(
        ErrorCode.INVALID,
        f"The file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB; split it.",
        ["file"],
    )
