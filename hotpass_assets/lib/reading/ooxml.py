"""The parts of an ``.xlsx``/``.xlsm`` package that reading needs beyond the cells: the file's
magic, worksheet parts, their ``<dimension>`` and merged cells."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from hotpass_assets.lib.reading.cells import WorkbookReadError

__all__ = ["check_file", "xlsx_dimension", "xlsx_merges", "xlsx_sheet_parts"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK"


def check_file(path: Path) -> None:
    if not path.exists():
        raise WorkbookReadError(path, "file not found")
    if path.is_dir():
        raise WorkbookReadError(path, "is a directory")
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        raise WorkbookReadError(path, "file is empty")
    suffix = path.suffix.lower()
    if head.startswith(_OLE_MAGIC) and suffix in {".xlsx", ".xlsm", ".xlsb"}:
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise WorkbookReadError(path, "workbook is password-protected (encrypted)")
        raise WorkbookReadError(path, "not an Office Open XML workbook (OLE container)")
    if suffix in {".xlsx", ".xlsm", ".xlsb", ".ods"} and not head.startswith(_ZIP_MAGIC):
        raise WorkbookReadError(path, "not a zip-based workbook (corrupt or wrong file type)")


_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"([A-Za-z]+)([0-9]+)(?::([A-Za-z]+)([0-9]+))?\""
)
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")


def _column_index(letters: str) -> int:
    """Excel column letters → 0-based index (``A`` → 0)."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xlsx_sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip member of its worksheet XML, from the package relationships."""
    import posixpath
    import xml.etree.ElementTree as ET

    def rels(part: str) -> dict[str, str]:
        folder, name = posixpath.split(part)
        path = posixpath.join(folder, "_rels", f"{name}.rels")
        out = {}
        for el in ET.fromstring(book.read(path)):
            target = el.get("Target", "")
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
            out[el.get("Id", "")] = target
            out[f"type:{el.get('Type', '').rsplit('/', 1)[-1]}"] = target
        return out

    workbook = rels("").get("type:officeDocument", "xl/workbook.xml")
    targets = rels(workbook)
    parts: dict[str, str] = {}
    for el in ET.fromstring(book.read(workbook)).iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        name = el.get("name")
        if name is not None and rid in targets:
            parts[name] = targets[rid]
    return parts


def xlsx_dimension(book: zipfile.ZipFile, part: str) -> tuple[int, int, int, int] | None:
    """0-based (first row, first column, last row, last column) of a worksheet's
    ``<dimension>``, read from the start of its XML; ``None`` when it has none."""
    head = b""
    with book.open(part) as fh:
        while len(head) < 1 << 20:
            chunk = fh.read(16384)
            if not chunk:
                break
            head += chunk
            if _SHEET_DATA.search(head):
                break
    found = _DIMENSION.search(head)
    if found is None:
        return None
    c0, r0, c1, r1 = found.groups()
    c1, r1 = (c1, r1) if c1 else (c0, r0)
    return int(r0) - 1, _column_index(c0.decode()), int(r1) - 1, _column_index(c1.decode())


_MERGE_CELL = re.compile(
    rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Za-z]{1,3})([0-9]+):([A-Za-z]{1,3})([0-9]+)\""
)
#: At most this many merged ranges are read per sheet (header filling needs a few).
_MAX_MERGES = 10_000


def xlsx_merges(path: Path, sheet: str) -> list[tuple[int, int, int, int]]:
    """Merged ranges of an ``.xlsx`` sheet from its ``<mergeCells>`` (after ``<sheetData>``)."""
    ranges: list[tuple[int, int, int, int]] = []
    with zipfile.ZipFile(path) as book:
        part = xlsx_sheet_parts(book)[sheet]
        tail = b""
        with book.open(part) as fh:
            while chunk := fh.read(1 << 20):
                data = tail + chunk
                for m in _MERGE_CELL.finditer(data):
                    c0, r0, c1, r1 = m.groups()
                    ranges.append(
                        (
                            int(r0) - 1,
                            _column_index(c0.decode()),
                            int(r1) - 1,
                            _column_index(c1.decode()),
                        )
                    )
                    if len(ranges) >= _MAX_MERGES:
                        return ranges
                tail = data[-64:]
    return sorted(set(ranges))
