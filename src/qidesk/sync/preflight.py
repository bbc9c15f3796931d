"""Pre-flight: is this file really an .xlsx we may parse? Decided by its bytes, before parsing.

Each kind of wrong file gets its own message: an encrypted workbook, a legacy .xls, an
OpenDocument file, a CSV or other text, a damaged zip. Limits on the number of zip entries, the
total uncompressed size and the compression ratio refuse zip bombs before anything inflates
them, and XML parts that declare a DOCTYPE (entity bombs) are refused. Macro-enabled workbooks
(.xlsm) are accepted with a warning: their macros are never run and their content is ignored.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

#: Refuse files larger than this before opening them.
MAX_FILE_BYTES = 200 * 1024 * 1024
#: Most entries a workbook zip may hold.
MAX_ZIP_ENTRIES = 5000
#: Most bytes all entries may inflate to, together.
MAX_UNCOMPRESSED_BYTES = 250 * 1024 * 1024
#: Most one entry may inflate to.
MAX_ENTRY_BYTES = 150 * 1024 * 1024
#: Highest inflate ratio of an entry larger than :data:`RATIO_CHECK_FROM` (and of the whole).
MAX_COMPRESSION_RATIO = 150
RATIO_CHECK_FROM = 2 * 1024 * 1024
#: How much of each XML part's start is read to look for a DOCTYPE.
PROLOGUE_BYTES = 64 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


class PreflightError(Exception):
    """The file is not a workbook QI Desk may read; the message says what it is instead."""


@dataclass
class PreflightResult:
    path: Path
    macro_enabled: bool = False
    warnings: list[str] = field(default_factory=list)
    #: Zip member names of the worksheets, for the reader's formula scan.
    members: list[str] = field(default_factory=list)


def _ole_message(path: Path, head: bytes, data: bytes) -> str:
    name = path.name
    if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
        return (
            f"{name} is password-protected (encrypted). QI Desk cannot read encrypted workbooks: "
            "open it in Excel, remove the password (File > Info > Protect Workbook), save and "
            "import it again."
        )
    return (
        f"{name} is an old Excel 97-2003 workbook (.xls). Open it in Excel or LibreOffice and "
        "save it as an Excel Workbook (.xlsx), then import that file."
    )


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = head.decode("cp1252")
        except UnicodeDecodeError:
            return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * len(text)


def check_file(path: Path | str) -> PreflightResult:
    """Check ``path`` by its bytes; raise PreflightError with a clear message if it is not an
    .xlsx workbook QI Desk may parse."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise PreflightError(f"{path} does not exist.") from None
    except OSError as exc:
        raise PreflightError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if path.is_dir():
        raise PreflightError(f"{path} is a folder, not a workbook.")
    if size == 0:
        raise PreflightError(f"{name} is empty (0 bytes).")
    if size > MAX_FILE_BYTES:
        raise PreflightError(
            f"{name} is {size // (1024 * 1024)} MB; QI Desk reads workbooks up to "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB."
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
            if head.startswith(OLE_MAGIC):
                fh.seek(0)
                data = fh.read(min(size, 4 * 1024 * 1024))
                raise PreflightError(_ole_message(path, head, data))
    except OSError as exc:
        raise PreflightError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if not head.startswith(ZIP_MAGICS):
        if head.lstrip().startswith((b"<?xml", b"<html", b"<!DOCTYPE", b"<HTML")):
            raise PreflightError(
                f"{name} is an XML or HTML file, not an Excel workbook (.xlsx). If it came from "
                "a website or an older Excel, open it and save it as an Excel Workbook (.xlsx)."
            )
        if _looks_like_text(head):
            raise PreflightError(
                f"{name} is a text or CSV file, not an Excel workbook (.xlsx). QI Desk imports "
                "only workbooks it exported; open the CSV in a spreadsheet program only to read it."
            )
        raise PreflightError(
            f"{name} is not an Excel workbook (.xlsx): its contents are not a zip."
        )
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise PreflightError(
            f"{name} is damaged or incomplete (it may have been truncated while copying): the "
            "zip inside it cannot be read."
        ) from None
    except OSError as exc:
        raise PreflightError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    with archive:
        return _check_archive(path, archive)


def _check_archive(path: Path, archive: zipfile.ZipFile) -> PreflightResult:
    name = path.name
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise PreflightError(
            f"{name} holds {len(infos)} parts; a workbook QI Desk reads has at most "
            f"{MAX_ZIP_ENTRIES}. It is not a QI Desk workbook (or it was built to harm)."
        )
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        if "content.xml" in names and "mimetype" in names:
            raise PreflightError(
                f"{name} is an OpenDocument spreadsheet (.ods). Save it as an Excel Workbook "
                "(.xlsx) in LibreOffice (File > Save As) and import that file."
            )
        if "word/document.xml" in names:
            raise PreflightError(f"{name} is a Word document, not an Excel workbook.")
        if "xl/workbook.bin" in names:
            raise PreflightError(
                f"{name} is an Excel binary workbook (.xlsb). Save it as an Excel Workbook "
                "(.xlsx) and import that file."
            )
        raise PreflightError(f"{name} is a zip file but not an Excel workbook (.xlsx).")
    total = 0
    compressed_total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise PreflightError(f"{name} has encrypted parts; QI Desk cannot read it.")
        if info.file_size > MAX_ENTRY_BYTES:
            raise PreflightError(
                f"{name}: the part {info.filename} would inflate to "
                f"{info.file_size // (1024 * 1024)} MB (limit {MAX_ENTRY_BYTES // (1024 * 1024)}"
                " MB). Refused before reading it: this looks like a zip bomb."
            )
        if info.file_size > RATIO_CHECK_FROM:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > MAX_COMPRESSION_RATIO:
                raise PreflightError(
                    f"{name}: the part {info.filename} inflates {ratio:.0f} times "
                    f"(limit {MAX_COMPRESSION_RATIO}). Refused before reading it: this looks "
                    "like a zip bomb."
                )
        total += info.file_size
        compressed_total += info.compress_size
    if total > MAX_UNCOMPRESSED_BYTES:
        raise PreflightError(
            f"{name} would inflate to {total // (1024 * 1024)} MB (limit "
            f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB). Refused before reading it: this "
            "looks like a zip bomb."
        )
    if total > RATIO_CHECK_FROM and total / max(compressed_total, 1) > MAX_COMPRESSION_RATIO:
        raise PreflightError(
            f"{name} inflates {total / max(compressed_total, 1):.0f} times (limit "
            f"{MAX_COMPRESSION_RATIO}). Refused before reading it: this looks like a zip bomb."
        )
    result = PreflightResult(path=path)
    content_types = _read_bounded(archive, "[Content_Types].xml", 1024 * 1024)
    if (
        b"macroEnabled" in content_types
        or "xl/vbaProject.bin" in names
        or path.suffix.lower() in (".xlsm", ".xltm")
    ):
        result.macro_enabled = True
        result.warnings.append(
            f"{name} is a macro-enabled workbook (.xlsm). QI Desk never runs macros and ignores "
            "them; only the cell values are read."
        )
    for info in infos:
        lower = info.filename.lower()
        if not (lower.endswith(".xml") or lower.endswith(".rels")):
            continue
        if lower.startswith("xl/worksheets/sheet"):
            result.members.append(info.filename)
        _check_prologue(name, archive, info)
    return result


def _read_bounded(archive: zipfile.ZipFile, member: str, limit: int) -> bytes:
    with archive.open(member) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise PreflightError(f"the part {member} is larger than {limit} bytes")
    return data


def _check_prologue(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse an XML part that declares a DOCTYPE or entities before its root element."""
    try:
        with archive.open(info) as fh:
            head = fh.read(PROLOGUE_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise PreflightError(
            f"{name} is damaged: the part {info.filename} cannot be read ({exc})."
        ) from None
    except Exception as exc:  # zlib.error and friends
        raise PreflightError(
            f"{name} is damaged: the part {info.filename} cannot be read ({exc})."
        ) from None
    match = _ROOT_ELEMENT.search(head)
    prologue = head if match is None else head[: match.start()]
    if b"<!DOCTYPE" in prologue or b"<!ENTITY" in prologue:
        raise PreflightError(
            f"{name}: the part {info.filename} declares XML entities (a DOCTYPE). Workbooks "
            "never do; refused because such files can be built to exhaust memory."
        )
    if match is None and info.file_size > PROLOGUE_BYTES:
        raise PreflightError(
            f"{name}: the part {info.filename} has no content in its first "
            f"{PROLOGUE_BYTES // 1024} KB. Refused: this is not a normal workbook."
        )
