"""Writing exported rows as CSV, XLSX and GeoJSON, a chunk at a time so memory stays flat.

CSV and GeoJSON are produced as the rows are read and sent as they are made.
An XLSX file is a zip whose directory comes last, so it is written to a
temporary file with XlsxWriter's ``constant_memory`` mode (each row goes to
disk once the next begins) and then sent from there.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from typing import Any, Iterable, Iterator

import orjson
import xlsxwriter

from server.services.exports import neutralise_cell

# Rows gathered before a chunk of a CSV or GeoJSON answer is sent.
CHUNK_ROWS = 500
# Bytes read at a time when sending a finished workbook.
FILE_CHUNK = 64 * 1024
# Excel's limit of rows on one sheet (the header is one of them); more continue on another sheet.
XLSX_MAX_ROWS = 1_048_576
# Excel's limit of characters in one cell.
XLSX_MAX_CELL = 32_767


def spreadsheet_cell(value: Any) -> Any:
    """The one place a value becomes a CSV cell: None is empty, text a spreadsheet
    would run as a formula (a leading ``=``, ``+``, ``-``, ``@`` …) is quoted,
    numbers and the rest as they are."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_cell(value)
    return value


def csv_chunks(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so Excel reads the Chinese right), in chunks of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers)
    for n, row in enumerate(rows, start=1):
        writer.writerow([spreadsheet_cell(v) for v in row])
        if n % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def geojson_chunks(features: Iterable[dict]) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection (RFC 7946: WGS-84 longitude, latitude), feature by feature."""
    yield b'{"type":"FeatureCollection","features":['
    parts: list[bytes] = []
    first = True
    for feature in features:
        parts.append(orjson.dumps(feature))
        if len(parts) == CHUNK_ROWS:
            yield (b"" if first else b",") + b",".join(parts)
            first, parts = False, []
    if parts:
        yield (b"" if first else b",") + b",".join(parts)
    yield b"]}"


class _Sheet:
    """A worksheet being written row by row, continued on a new sheet at Excel's row limit."""

    def __init__(self, workbook, name: str, headers: list[str], header_format):
        self.workbook, self.name, self.headers, self.header_format = workbook, name, headers, header_format
        self.parts = 0
        self._start()

    def _start(self) -> None:
        self.parts += 1
        title = self.name if self.parts == 1 else f"{self.name}({self.parts})"
        self.sheet = self.workbook.add_worksheet(title[:31])
        # Widths are set before any row: in constant_memory mode rows go to disk as written.
        for i, header in enumerate(self.headers):
            self.sheet.set_column(i, i, max(10, min(40, len(header) * 3)))
        self.sheet.freeze_panes(1, 0)
        for col, header in enumerate(self.headers):
            self.sheet.write_string(0, col, header, self.header_format)
        self.row = 1

    def write(self, values: list[Any]) -> None:
        if self.row >= XLSX_MAX_ROWS:
            self._start()
        for col, value in enumerate(values):
            # Numbers as numbers; everything else as text, never as a formula or a link.
            if isinstance(value, bool) or value is None or value == "":
                if value not in (None, ""):
                    self.sheet.write_string(self.row, col, str(value))
            elif isinstance(value, (int, float)):
                self.sheet.write_number(self.row, col, value)
            else:
                self.sheet.write_string(self.row, col, str(value)[:XLSX_MAX_CELL])
        self.row += 1


class Workbook:
    """An XLSX file in a temporary folder, written with XlsxWriter's constant_memory mode."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="gridwalk-export-")
        self.path = os.path.join(self.folder, "export.xlsx")
        self.book = xlsxwriter.Workbook(self.path, {
            "constant_memory": True, "tmpdir": self.folder, "strings_to_formulas": False,
            "strings_to_urls": False, "strings_to_numbers": False})
        self.header = self.book.add_format({"bold": True, "bg_color": "#E8EEF4"})

    def sheet(self, name: str, headers: list[str]) -> _Sheet:
        return _Sheet(self.book, name, headers, self.header)

    def chunks(self) -> Iterator[bytes]:
        """Close the workbook and send it; the temporary folder goes once it is sent (or abandoned)."""
        try:
            self.book.close()
            with open(self.path, "rb") as handle:
                while chunk := handle.read(FILE_CHUNK):
                    yield chunk
        finally:
            self.discard()

    def discard(self) -> None:
        for name in os.listdir(self.folder):
            os.unlink(os.path.join(self.folder, name))
        os.rmdir(self.folder)
