"""Small synthetic workbooks for tests."""


def write_xlsx(path, sheets):
    """Write ``{sheet: rows}`` with openpyxl (values keep their Python types)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
    wb.save(path)
    return path
