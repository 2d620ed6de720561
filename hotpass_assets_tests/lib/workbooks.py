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


def capture_drops(paths, first_day):
    """Capture each workbook as one drop, a day apart from ``first_day``, in the given order;
    the partition keys are those the landing sensor gives (day, stem, digest prefix)."""
    from datetime import timedelta

    from hotpass_assets.lib.capture import capture_workbook
    from hotpass_assets.lib.drops import content_hash

    results = []
    for i, path in enumerate(paths):
        digest = content_hash(path)
        results.append(
            capture_workbook(
                path,
                partition_key=f"{first_day + timedelta(days=i)}_{path.stem}_{digest[:8]}",
                content_hash=digest,
                source_file=path.name,
            )
        )
    return results
