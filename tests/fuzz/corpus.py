"""A corpus of broken economies: systematic mutations of valid economy directories.

Each :class:`Mutation` names what it breaks and what a user must be told. ``mutations(base)`` yields
them for a base directory (the built-in ``kantorovich`` example and a small generated economy), so
the corpus grows with the format: every numeric column gets every bad value, every id column every
bad id, every file every encoding and layout accident.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: numeric cell values that must be refused, with the text the message must show
BAD_NUMBERS: dict[str, str] = {
    "NaN": "NaN", "nan": "nan", "inf": "inf", "-inf": "-inf", "Infinity": "inf", "-0.25": "-0.25",
    "abc": "abc", "1,5": "1,5", "12 kg": "12 kg", "1e400": "inf", "-1e400": "-inf", "0x10": "0x10",
    "1e300": "1e+300", "-1e16": "-1e+16", "1e-300": "1e-300", "3e-16": "3e-16",
}
#: below what a solver tells from 0: refused as an output (a process that makes nothing), kept as an input
TINY = {"1e-300", "3e-16"}
#: numeric cell values that are valid numbers: the plan must stay finite (or the goal be infeasible)
ODD_NUMBERS = ["1e-9", "1e9", "0", "  7  ", "+3", "5e-12", "0.1e1", "2.50"]

#: (file, column) pairs holding numbers
NUMERIC = {"inputs.csv": ["amount"], "outputs.csv": ["amount"], "labour.csv": ["hours"],
           "limits.csv": ["available"], "resources.csv": ["amount"], "targets.csv": ["amount"]}
#: (file, column) pairs holding ids
IDS = {"goods.csv": ["id"], "processes.csv": ["id"], "inputs.csv": ["process", "good"],
       "outputs.csv": ["process", "good"], "labour.csv": ["process"], "limits.csv": ["id"],
       "resources.csv": ["process"], "targets.csv": ["good"]}


@dataclass(frozen=True)
class Mutation:
    """One way to break ``file``. ``must_fail``: the input is wrong (exit 2, or 1 when infeasible);
    otherwise it is an accident a reader should survive (exit 0 or 1). ``shows``: text the message
    must contain (the offending value); ``line``: the line it must name."""

    name: str
    file: str
    apply: Callable[[Path], None]
    must_fail: bool
    shows: str | None = None
    line: int | None = None
    infeasible_ok: bool = False


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _write(path: Path, rows: list[list[str]], **fmt: str) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=fmt.get("eol", "\n"), delimiter=fmt.get("sep", ",")).writerows(rows)
    path.write_text(buf.getvalue(), encoding=fmt.get("encoding", "utf-8"), newline="")


def _set_cell(file: str, column: str, value: str, row: int = 1) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        rows = _rows(d / file)
        rows[row][rows[0].index(column)] = value
        _write(d / file, rows)
    return apply


def _edit_rows(file: str, edit: Callable[[list[list[str]]], list[list[str]]], **fmt: str) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        _write(d / file, edit(_rows(d / file)), **fmt)
    return apply


def _drop_column(column: str) -> Callable[[list[list[str]]], list[list[str]]]:
    def edit(rows: list[list[str]]) -> list[list[str]]:
        k = rows[0].index(column)
        return [r[:k] + r[k + 1:] for r in rows]
    return edit


def _raw(file: str, transform: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        (d / file).write_bytes(transform((d / file).read_bytes()))
    return apply


def _remove(file: str) -> Callable[[Path], None]:
    return lambda d: (d / file).unlink()


def mutations(base: Path) -> Iterator[Mutation]:
    """Every mutation that applies to the economy in ``base``."""
    files = {p.name: _rows(p) for p in sorted(base.glob("*.csv"))}
    for file, rows in files.items():
        has_data = len(rows) > 1
        for column in NUMERIC.get(file, []):
            if not has_data or column not in rows[0]:
                continue
            for value, shown in BAD_NUMBERS.items():
                tiny = value in TINY
                yield Mutation(f"{file}:{column}={value!r}", file, _set_cell(file, column, value),
                               not tiny or file == "outputs.csv", shown, 2, infeasible_ok=tiny)
            yield Mutation(f"{file}:{column}=empty", file, _set_cell(file, column, ""), file != "limits.csv", None, 2)
            for value in ODD_NUMBERS:
                yield Mutation(f"{file}:{column}={value!r}", file, _set_cell(file, column, value), False,
                               infeasible_ok=True)
        for column in IDS.get(file, []):
            if not has_data or column not in rows[0]:
                continue
            yield Mutation(f"{file}:{column}=unknown", file, _set_cell(file, column, "no_such_id"),
                           column != "id", "no_such_id" if column != "id" else None)
            yield Mutation(f"{file}:{column}=empty", file, _set_cell(file, column, ""), True, None, 2)
            yield Mutation(f"{file}:duplicate-row", file, _edit_rows(file, lambda r: [*r, r[1]]),
                           True, None, len(rows) + 1)
        if has_data:
            yield Mutation(f"{file}:missing-column", file, _edit_rows(file, _drop_column(rows[0][0])), True)
            yield Mutation(f"{file}:truncated-row", file, _edit_rows(file, lambda r: [*r[:-1], r[-1][:1]]),
                           file in NUMERIC, None, len(rows))
        yield Mutation(f"{file}:header-only", file, _edit_rows(file, lambda r: r[:1]),
                       file in {"goods.csv", "outputs.csv"}, infeasible_ok=True)
        yield Mutation(f"{file}:empty-file", file, _raw(file, lambda b: b""), True)
        yield Mutation(f"{file}:missing", file, _remove(file), file in {"goods.csv", "labour.csv"},
                       infeasible_ok=True)
        yield Mutation(f"{file}:binary", file, _raw(file, lambda b: b"\x00\xff\xfe\x00PK\x03\x04" + b[:20]), True)
        # accidents of spreadsheets and editors that a reader should survive
        yield Mutation(f"{file}:extra-column", file, _edit_rows(file, lambda r: [r[0] + ["note"]] +
                                                                [[*x, "?"] for x in r[1:]]), False)
        yield Mutation(f"{file}:bom", file, _raw(file, lambda b: b"\xef\xbb\xbf" + b), False)
        yield Mutation(f"{file}:crlf", file, _edit_rows(file, lambda r: r, eol="\r\n"), False)
        yield Mutation(f"{file}:utf-16", file, _edit_rows(file, lambda r: r, encoding="utf-16"), False)
        yield Mutation(f"{file}:semicolons", file, _edit_rows(file, lambda r: r, sep=";"), False)
        if has_data and NUMERIC.get(file):
            yield Mutation(f"{file}:decimal-comma", file, _decimal_comma(file, NUMERIC[file][0]), False)
    yield Mutation("economy:zero-goods", "goods.csv", _zero_goods, True)


def _decimal_comma(file: str, column: str) -> Callable[[Path], None]:
    """A European spreadsheet's export: ';' between fields and ',' as the decimal mark."""
    def apply(d: Path) -> None:
        rows = _rows(d / file)
        k = rows[0].index(column)
        for r in rows[1:]:
            r[k] = r[k].replace(".", ",")
        _write(d / file, rows, sep=";")
    return apply


def _zero_goods(d: Path) -> None:
    for p in d.glob("*.csv"):
        _write(p, _rows(p)[:1])


def materialise(base: Path, mutation: Mutation, into: Path) -> Path:
    """A copy of ``base`` with ``mutation`` applied, in ``into``."""
    shutil.copytree(base, into)
    mutation.apply(into)
    return into
