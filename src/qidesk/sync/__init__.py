"""Workbook sync: write and read .xlsx workbooks, validate them, and merge their versions."""
