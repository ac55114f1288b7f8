"""CSV downloads of the stats tables, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from pyramid.response import Response

# A spreadsheet runs a cell starting with these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(header: list[str], rows: Iterable[Iterable]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    """A download (UTF-8 with a byte-order mark, so spreadsheets read accents right)."""
    name = _UNSAFE_FILENAME.sub("-", filename)
    response = Response(body=csv_text(header, rows).encode("utf-8-sig"), content_type="text/csv", charset="utf-8")
    response.content_disposition = f'attachment; filename="{name}"'
    response.cache_control = "private, no-store"
    return response
