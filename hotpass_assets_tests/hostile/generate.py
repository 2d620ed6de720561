"""Hostile workbooks, built at test time into a temporary folder (never committed).

Each case is a function ``(folder) -> list of paths`` writing the file(s) of one case. The big
cases are written as raw Office Open XML, streamed through a deflating zip writer, so a 200 MB
text cell or a million rows cost a few MB on disk and a few seconds to build.

Usage (for a look by hand): ``python -m hotpass_assets_tests.hostile.generate DIR``.
"""

from __future__ import annotations

import os
import sys
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from hotpass_assets.lib.demo import write_large_sheet

SACAA_HEADERS = (
    "Name of Organisation",
    "Province",
    "Status",
    "Website URL",
    "Contact Person",
    "Contact Number",
    "Contact Email Address",
)

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFFFFF00"/></patternFill></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
    '<cellXfs count="2"><xf/><xf fillId="1" applyFill="1"/></cellXfs></styleSheet>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _col(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _row(r: int, values: Iterable[str | None], first_col: int = 0) -> str:
    cells = "".join(
        f'<c r="{_col(first_col + i)}{r}" t="inlineStr"><is><t>{_esc(v)}</t></is></c>'
        for i, v in enumerate(values)
        if v is not None
    )
    return f'<row r="{r}">{cells}</row>'


def write_raw_xlsx(
    path: Path,
    sheet_parts: Iterable[str | bytes],
    *,
    sheet_name: str = "Cleaned",
    dimension: str | None = None,
    merges: Iterable[str] = (),
) -> Path:
    """An ``.xlsx`` of one sheet whose ``<sheetData>`` is the concatenation of ``sheet_parts``
    (streamed: parts may come from a generator). ``merges``: ``A1:B1`` ranges."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK.format(name=_esc(sheet_name)))
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(_SHEET_HEAD.encode())
            if dimension:
                fh.write(f'<dimension ref="{dimension}"/>'.encode())
            fh.write(b"<sheetData>")
            buffer: list[bytes] = []
            size = 0
            for part in sheet_parts:
                data = part.encode() if isinstance(part, str) else part
                buffer.append(data)
                size += len(data)
                if size >= 1 << 20:
                    fh.write(b"".join(buffer))
                    buffer, size = [], 0
            fh.write(b"".join(buffer))
            fh.write(b"</sheetData>")
            merges = list(merges)
            if merges:
                refs = "".join(f'<mergeCell ref="{m}"/>' for m in merges)
                fh.write(f'<mergeCells count="{len(merges)}">{refs}</mergeCells>'.encode())
            fh.write(b"</worksheet>")
    return path


def _sacaa_rows(n: int, start: int = 2) -> Iterable[str]:
    for i in range(n):
        yield _row(
            start + i,
            (
                f"Hostile Test Aero Club {i}",
                "Gauteng",
                "Active",
                None,
                None,
                f"+2711555{i:04d}",
                f"club{i}@hostile-example.co.za",
            ),
        )


# --- the cases -----------------------------------------------------------------------------------


def good_workbook(
    folder: Path, name: str = "good_sacaa_flight_schools.xlsx", seed: int = 11
) -> Path:
    """A small valid SACAA-shaped workbook (content differs by ``seed``): the drop that must
    still be captured."""
    path = folder / name
    write_large_sheet(path, n_rows=25, seed=seed)
    return path


def styled_cell_xfd1048576(folder: Path) -> list[Path]:
    """One styled empty cell in the last cell of the sheet (2 KB)."""
    parts = [
        _row(1, SACAA_HEADERS),
        *_sacaa_rows(3),
        '<row r="1048576"><c r="XFD1048576" s="1"/></row>',
    ]
    return [write_raw_xlsx(folder / "styled_last_cell.xlsx", parts)]


def huge_text_cell(folder: Path) -> list[Path]:
    """One 200 MB text cell in an organisation name (about 200 KB compressed)."""

    def parts():
        yield _row(1, SACAA_HEADERS)
        yield '<row r="2"><c r="A2" t="inlineStr"><is><t>'
        block = b"A" * (1 << 20)
        for _ in range(200):
            yield block
        yield "</t></is></c></row>"

    return [write_raw_xlsx(folder / "huge_text_cell.xlsx", parts())]


def value_at_xfd10000(folder: Path) -> list[Path]:
    """A value at XFD10000 (2 KB): 16,384 columns × 10,000 rows to allocate."""
    parts = [_row(1, SACAA_HEADERS), *_sacaa_rows(3), _row(10000, ["x"], first_col=16383)]
    return [write_raw_xlsx(folder / "value_at_xfd10000.xlsx", parts)]


def identical_rows(folder: Path, n: int = 1_048_576, name: str = "identical_rows.xlsx"):
    """``n`` identical data rows below the header (legal in Excel up to 1,048,576 rows)."""

    def parts():
        yield _row(1, SACAA_HEADERS)
        for r in range(2, n + 1):
            yield f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Same Aero Club</t></is></c></row>'

    return [write_raw_xlsx(folder / name, parts())]


def two_million_rows(folder: Path) -> list[Path]:
    """2,000,000 rows (beyond Excel's 1,048,576; the XML allows it)."""
    return identical_rows(folder, 2_000_000, "two_million_rows.xlsx")


def symlink_to_system_file(folder: Path) -> list[Path]:
    """``passwd.xlsx``: a symbolic link to a system file."""
    link = folder / "passwd.xlsx"
    os.symlink("/etc/passwd", link)
    return [link]


def symlink_outside(folder: Path) -> list[Path]:
    """A symbolic link to a valid workbook outside the folder."""
    outside = folder.parent / f"{folder.name}-outside"
    outside.mkdir(exist_ok=True)
    target = good_workbook(outside, "outside_sacaa.xlsx", seed=24)
    link = folder / "linked_outside.xlsx"
    os.symlink(target, link)
    return [link]


def escape_code_name(folder: Path) -> list[Path]:
    """A valid workbook whose name holds terminal escape codes."""
    return [good_workbook(folder, "\x1b[31mred\x1b[0m\x1b]0;title\x07_sacaa.xlsx", 21)]


def newline_name(folder: Path) -> list[Path]:
    """A valid workbook whose name holds a newline that forges a report line."""
    return [good_workbook(folder, "x.xlsx): ok\n  drop 2099-01-01_fake_0000000000 (fake.xlsx", 22)]


def dotdot_name(folder: Path) -> list[Path]:
    """A valid workbook whose name starts with ``..``."""
    return [good_workbook(folder, "..sacaa_dotdot.xlsx", 23)]


def title_block(folder: Path) -> list[Path]:
    """SACAA shape with a title block (title, date line, blank row) above the header."""
    parts = [
        _row(1, ["SACAA Flight Schools register"]),
        _row(2, ["Exported 2026-12-01", None, "Confidential"]),
        _row(4, SACAA_HEADERS),
        *_sacaa_rows(12, start=5),
    ]
    return [write_raw_xlsx(folder / "title_block_sacaa.xlsx", parts)]


def merged_header(folder: Path) -> list[Path]:
    """SACAA shape whose ``Contact Number`` header is merged across two phone columns."""
    headers = [*SACAA_HEADERS[:6], None, SACAA_HEADERS[6]]
    rows = [_row(1, headers)]
    for i in range(12):
        rows.append(
            _row(
                2 + i,
                (
                    f"Merged Header Aero Club {i}",
                    "Gauteng",
                    "Active",
                    None,
                    None,
                    f"+2711666{i:04d}",
                    f"+2782666{i:04d}",
                    f"merged{i}@hostile-example.co.za",
                ),
            )
        )
    return [write_raw_xlsx(folder / "merged_header_sacaa.xlsx", rows, merges=["F1:G1"])]


def corrupt(folder: Path) -> list[Path]:
    path = folder / "corrupt.xlsx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(4000))
    return [path]


def truncated(folder: Path) -> list[Path]:
    source = good_workbook(folder, "source.tmp.xlsx", 25)
    data = source.read_bytes()
    source.unlink()
    path = folder / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return [path]


def encrypted(folder: Path) -> list[Path]:
    """An OLE container holding an ``EncryptedPackage`` stream (a password-protected xlsx)."""
    path = folder / "encrypted.xlsx"
    magic = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    path.write_bytes(
        magic + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 2048
    )
    return [path]


def renamed_csv(folder: Path) -> list[Path]:
    path = folder / "renamed_csv.xlsx"
    path.write_text(",".join(SACAA_HEADERS) + "\nSome Club,Gauteng,Active,,,,\n")
    return [path]


def renamed_html(folder: Path) -> list[Path]:
    path = folder / "renamed_html.xls"
    path.write_text(
        "<html><body><table><tr><td>Name of Organisation</td></tr></table></body></html>"
    )
    return [path]


def empty_workbook(folder: Path) -> list[Path]:
    return [write_raw_xlsx(folder / "empty_sheet.xlsx", [])]


def zero_byte(folder: Path) -> list[Path]:
    path = folder / "zero_byte.xlsx"
    path.write_bytes(b"")
    return [path]


def entity_expansion(folder: Path) -> list[Path]:
    """A billion-laughs DTD in the worksheet XML."""
    lol = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + "]>"
    )
    path = folder / "entity_expansion.xlsx"
    write_raw_xlsx(path, [_row(1, SACAA_HEADERS), *_sacaa_rows(2)])
    # Put the DTD in front of the worksheet element and reference the biggest entity in a cell.
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    head, body = sheet.split("<worksheet", 1)
    body = body.replace("Hostile Test Aero Club 0", "&lol9;")
    members["xl/worksheets/sheet1.xml"] = (head + lol + "<worksheet" + body).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return [path]


#: Case name → (builder, kind): ``size`` cases are measured (memory, time) one by one.
CASES: dict[str, tuple[Callable[[Path], list[Path]], str]] = {
    "styled_cell_xfd1048576": (styled_cell_xfd1048576, "size"),
    "huge_text_cell": (huge_text_cell, "size"),
    "value_at_xfd10000": (value_at_xfd10000, "size"),
    "identical_rows_1048576": (identical_rows, "size"),
    "two_million_rows": (two_million_rows, "size"),
    "symlink_to_system_file": (symlink_to_system_file, "boundary"),
    "symlink_outside": (symlink_outside, "boundary"),
    "escape_code_name": (escape_code_name, "name"),
    "newline_name": (newline_name, "name"),
    "dotdot_name": (dotdot_name, "name"),
    "title_block": (title_block, "header"),
    "merged_header": (merged_header, "header"),
    "corrupt": (corrupt, "unreadable"),
    "truncated": (truncated, "unreadable"),
    "encrypted": (encrypted, "unreadable"),
    "renamed_csv": (renamed_csv, "unreadable"),
    "renamed_html": (renamed_html, "unreadable"),
    "empty_workbook": (empty_workbook, "unreadable"),
    "zero_byte": (zero_byte, "unreadable"),
    "entity_expansion": (entity_expansion, "unreadable"),
}


def build(case: str, folder: Path) -> list[Path]:
    """Write case ``case`` into ``folder`` (created); returns its file(s)."""
    folder.mkdir(parents=True, exist_ok=True)
    return CASES[case][0](folder)


if __name__ == "__main__":  # pragma: no cover - a manual look
    out = Path(sys.argv[1])
    for case in CASES:
        for p in build(case, out / case):
            print(case, repr(p.name), p.lstat().st_size)
