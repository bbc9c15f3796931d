"""The benchmarks' common baseline: merely parsing workbooks with python-calamine."""

from __future__ import annotations

from pathlib import Path


def calamine_parse(files: list[Path]) -> int:
    """Parse every sheet of ``files`` with python-calamine; returns the rows read."""
    import python_calamine

    rows = 0
    for path in files:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            rows += len(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
        workbook.close()
    return rows
