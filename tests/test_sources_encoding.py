from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from compliance.errors import ComplianceError
from compliance.sources.encoding import (
    DecodeError,
    delimited_rows,
    detect_bom,
    guess_encoding,
    sniff_delimiter,
    text_lines,
)

DANISH = (
    "Sagsnr;Hændelse;Dato;Tidspunkt;Fødselsdato\r\n"
    "S-1;Underretning modtaget;01-03-2024;09:15;12-05-2012\r\n"
    "S-2;Underretning modtaget;01-03-2024;14:00;03-11-2015\r\n"
    'S-1;"Afgørelse; børnefaglig undersøgelse";04-03-2024;08:00;12-05-2012\r\n'
    "S-2;Kvittering sendt;06-03-2024;10:30;03-11-2015\r\n"
)


def _write(tmp_path: Path, text: str, encoding: str, name: str = "export.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_windows_1252_semicolon_export_with_date_and_time_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, DANISH, "cp1252")
    rows = list(delimited_rows(path, encoding="cp1252"))
    assert list(rows[0].values) == ["Sagsnr", "Hændelse", "Dato", "Tidspunkt", "Fødselsdato"]
    assert rows[2].values["Hændelse"] == "Afgørelse; børnefaglig undersøgelse"
    assert (rows[1].values["Dato"], rows[1].values["Tidspunkt"]) == ("01-03-2024", "14:00")
    assert [r.location for r in rows] == ["line 2", "line 3", "line 4", "line 5"]
    assert all(r.source == path for r in rows)


def test_windows_1252_read_as_utf8_names_file_line_offset_and_likely_encoding(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, DANISH * 20, "cp1252")
    with pytest.raises(DecodeError) as err:
        list(delimited_rows(path))
    e = err.value
    assert (e.line, e.offset) == (1, DANISH.index("æ"))
    message = str(e)
    assert message.startswith(f"{path}:1: not valid utf-8 at byte offset 8 (bytes e6)")
    assert e.likely is not None and codecs.lookup(e.likely).name in {
        "cp1252",
        "cp1250",
        "latin-1",
        "iso8859-15",
    }
    assert f"encoding: {e.likely}" in message


def test_decode_error_deep_in_the_file_names_its_line(tmp_path: Path) -> None:
    good = "Sagsnr;Hændelse\n" + "".join(f"S-{i};Kvittering\n" for i in range(500))
    path = tmp_path / "mixed.csv"
    path.write_bytes(good.encode("utf-8") + "S-x;Afgørelse\n".encode("cp1252"))
    with pytest.raises(DecodeError) as err:
        list(text_lines(str(path)))
    assert err.value.line == 502
    assert err.value.offset == len(good.encode("utf-8")) + len("S-x;Afg")


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_byte_order_mark_decides_the_encoding(tmp_path: Path, bom: bytes, encoding: str) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(bom + DANISH.encode(encoding))
    rows = list(delimited_rows(str(path), encoding="cp1252"))  # the BOM wins over the mapping
    assert list(rows[0].values)[1] == "Hændelse" and len(rows) == 4


def test_detect_bom() -> None:
    assert detect_bom(codecs.BOM_UTF8 + b"x") == ("utf-8", 3)
    assert detect_bom(codecs.BOM_UTF32_LE + b"x") == ("utf-32-le", 4)
    assert detect_bom(b"Sagsnr") == (None, 0)


def test_guess_encoding_of_danish_windows_text() -> None:
    sample = ("Hændelse;Afgørelse;Børn og unge;Åbning\n" * 50).encode("cp1252")
    guess = guess_encoding(sample)
    assert guess is not None
    assert sample.decode(guess) == sample.decode("cp1252")


def test_unknown_encoding_is_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path, DANISH, "utf-8")
    with pytest.raises(ComplianceError, match="unknown encoding 'klingon'"):
        list(delimited_rows(path, encoding="klingon"))


def test_delimiters_quoting_and_short_rows(tmp_path: Path) -> None:
    path = _write(tmp_path, 'a\tb\tc\n1\t"x\ny"\n\n2\t3\t4\n', "utf-8")
    rows = list(delimited_rows(path))
    assert rows[0].values == {"a": "1", "b": "x\ny", "c": ""}
    assert [r.line for r in rows] == [2, 5]
    assert sniff_delimiter("a|b|c") == "|" and sniff_delimiter("single") == ","


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ComplianceError, match="cannot open"):
        list(delimited_rows(str(tmp_path / "nope.csv")))
