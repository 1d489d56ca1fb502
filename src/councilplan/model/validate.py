"""Vectorised checks of the economy directory's tables.

Every check works on whole columns (no Python loop over rows) and appends
:class:`~councilplan.model.errors.Issue` objects to a shared list, so that all
problems are reported at once. At most :data:`MAX_ROWS_REPORTED` rows are named
per check and file; the rest are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from councilplan.model.errors import Issue

MAX_ROWS_REPORTED = 10
#: id columns at least this long are looked up with Arrow's hash kernel (when pyarrow is there)
ARROW_LOOKUP_MIN = 10_000
#: Arrow look-ups of more than twice this many ids are split between two threads
LOOKUP_SPLIT = 1_000_000


def _arrow_positions(values: Any, value_set: Any) -> np.ndarray:
    """Positions of Arrow strings ``values`` in ``value_set`` (-1 when absent).

    Runs of equal ids (a table sorted by process) are looked up once, run heads
    equal to ``value_set`` itself map to their positions without hashing, and long
    columns are split between two threads (Arrow releases the GIL).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    n = len(arr)
    head = np.ones(n, dtype=bool)
    if n > 1:
        head[1:] = np.asarray(pc.not_equal(arr.slice(1), arr.slice(0, n - 1)).fill_null(True).to_numpy(zero_copy_only=False))
    starts = np.flatnonzero(head)
    runs = arr.take(pa.array(starts)) if starts.size < 0.7 * n else arr
    if (len(runs) == len(value_set) and runs.null_count == 0 and value_set.null_count == 0
            and pc.all(pc.equal(runs, value_set)).as_py()):
        pos = np.arange(len(runs))  # ids in the index's own order (a table sorted as written): no hashing
    elif len(runs) >= 2 * LOOKUP_SPLIT:
        from concurrent.futures import ThreadPoolExecutor

        half = len(runs) // 2
        with ThreadPoolExecutor(2) as pool:
            parts = list(pool.map(lambda part: pc.index_in(part, value_set=value_set),
                                  (runs.slice(0, half), runs.slice(half))))
        pos = np.concatenate([np.asarray(p.fill_null(-1).to_numpy(zero_copy_only=False)) for p in parts])
    else:
        pos = np.asarray(pc.index_in(runs, value_set=value_set).fill_null(-1).to_numpy(zero_copy_only=False))
    pos = pos.astype(np.intp)
    if len(runs) != n:
        pos = np.repeat(pos, np.diff(np.append(starts, n)))
    return pos


def _whitespace_byte(b: np.ndarray) -> np.ndarray:
    """Bytes that may begin or end whitespace: ASCII space, \\t-\\r, or any non-ASCII byte."""
    return (b == 32) | ((b >= 9) & (b <= 13)) | (b >= 0x80)


def _may_need_strip(s: pd.Series) -> bool:
    """False only when no Arrow string of ``s`` starts or ends with whitespace.

    Looks at the first and last byte of each value in the Arrow buffers (no copy),
    so that ``.str.strip()`` over millions of clean ids can be skipped.
    """
    try:
        import pyarrow as pa

        chunks = pa.chunked_array(s.array.__arrow_array__()).chunks
    except (ImportError, AttributeError, TypeError, ValueError):
        return True
    for chunk in chunks:
        if pa.types.is_large_string(chunk.type):
            width: type = np.int64
        elif pa.types.is_string(chunk.type):
            width = np.int32
        else:
            return True
        _, offsets, data = chunk.buffers()
        if data is None or len(chunk) == 0:
            continue
        off: np.ndarray = np.frombuffer(offsets, dtype=width)[chunk.offset: chunk.offset + len(chunk) + 1]
        raw = np.frombuffer(data, dtype=np.uint8)
        start, stop = off[:-1], off[1:]
        full = stop > start
        if _whitespace_byte(raw[start[full]]).any() or _whitespace_byte(raw[stop[full] - 1]).any():
            return True
    return False


def _all_distinct(ids: pd.Series) -> bool:
    """True when the Arrow-backed ``ids`` are all distinct (one Arrow hash pass); False if unsure."""
    if len(ids) < ARROW_LOOKUP_MIN or not hasattr(ids.array, "__arrow_array__"):
        return False
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        values = pa.chunked_array(ids.array.__arrow_array__())
        return bool(pc.count_distinct(values, mode="all").as_py() == len(values))
    except (ImportError, AttributeError, TypeError, ValueError, NotImplementedError):
        return False


@dataclass
class Table:
    """A table read from the economy directory, with what is needed to locate rows."""

    name: str  # file name as the user sees it, e.g. "inputs.csv"
    frame: pd.DataFrame
    header_lines: int = 1  # CSV: the header is line 1; Parquet: rows are counted from 1

    def line(self, rows: np.ndarray) -> np.ndarray:
        """Editor line numbers (CSV) or 1-based row numbers (Parquet) of positional rows."""
        return rows + 1 + self.header_lines


#: magnitudes a solver can work with: HiGHS reads |a| ≥ 1e20 as infinite and drops |a| ≤ 1e-9 from
#: a matrix; 1e15 and 1e-15 leave room for the rescaling of rows and columns
MAX_MAGNITUDE = 1e15
MIN_MAGNITUDE = 1e-15


def _shown(value: object) -> str:
    """A cell's value as a message shows it: text as written, numbers in their shortest exact form."""
    if isinstance(value, float | np.floating):
        text = repr(float(value))
        return text.removesuffix(".0")
    return str(value)


@dataclass
class Checker:
    """Collects issues while checking tables."""

    issues: list[Issue] = field(default_factory=list)
    #: arrow copies of the id indexes looked up in (``id(index)`` → (index, arrow array))
    _arrow_sets: dict[int, tuple[pd.Index, Any | None]] = field(default_factory=dict, repr=False)

    def add(self, file: str, message: str, fix: str, line: int | None = None, column: str | None = None) -> None:
        self.issues.append(Issue(file=file, message=message, fix=fix, line=line, column=column))

    def rows(self, table: Table, mask: np.ndarray, column: str | None, message: str, fix: str,
             shown: np.ndarray | None = None) -> None:
        """Report each row where ``mask`` is true (the first few, then a count).

        With ``shown`` (the column as the user wrote it, or its numbers), each message names the
        offending value: ``message`` may hold ``{value}``, else the value is appended.
        """
        bad = np.flatnonzero(mask)
        if bad.size == 0:
            return
        first = bad[:MAX_ROWS_REPORTED]
        for pos, ln in zip(first, table.line(first), strict=True):
            text = message
            if shown is not None:
                value = _shown(shown[pos])
                text = message.format(value=value) if "{value}" in message else f"{message}: {value}"
            self.add(table.name, text, fix, int(ln), column)
        if bad.size > MAX_ROWS_REPORTED:
            more = bad.size - MAX_ROWS_REPORTED
            general = message.replace(" {value}", "").replace("{value}", "")
            self.add(table.name, f"{general} in {more} more rows", fix, None, column)

    def positions(self, known: pd.Index, ids: pd.Series) -> np.ndarray:
        """``known.get_indexer(ids)``, hashed by Arrow when ``ids`` are Arrow strings.

        pandas would first copy millions of Arrow strings into Python objects; the
        Arrow kernel ``index_in`` looks them up where they lie (same result: the
        position in ``known``, or -1).
        """
        if len(ids) >= ARROW_LOOKUP_MIN and hasattr(ids.array, "__arrow_array__"):
            try:
                import pyarrow as pa
                import pyarrow.compute as pc

                values = pa.chunked_array(ids.array.__arrow_array__())
                cached = self._arrow_sets.get(id(known))
                if cached is None or cached[0] is not known:
                    arrow_known = pa.array(np.asarray(known, dtype=object), from_pandas=True)
                    unique = pc.count_distinct(arrow_known, mode="all").as_py() == len(arrow_known)
                    cached = (known, arrow_known if unique else None)
                    self._arrow_sets[id(known)] = cached
                if cached[1] is not None:  # (get_indexer below refuses a non-unique index)
                    return _arrow_positions(values, cached[1].cast(values.type))
            except (ImportError, TypeError, ValueError, AttributeError, NotImplementedError):  # e.g. not strings
                pass
        return np.asarray(known.get_indexer(ids))

    # ---------------------------------------------------------------- columns
    def columns(self, table: Table, required: tuple[str, ...]) -> bool:
        """Check that required columns exist; return False (and report) if not."""
        missing = [c for c in required if c not in table.frame.columns]
        if missing:
            have = ", ".join(map(str, table.frame.columns)) or "none"
            self.add(
                table.name,
                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} (found: {have})",
                f"add a header line with the columns {','.join(required)}",
                1,
            )
            return False
        return True

    def ids(self, table: Table, column: str, what: str) -> pd.Series:
        """Check an id column: not empty, and return it as strings."""
        s = table.frame[column]
        stripped = s.astype(str)
        if _may_need_strip(stripped):
            stripped = stripped.str.strip()
        empty = s.isna().to_numpy() | (stripped == "").to_numpy()
        self.rows(table, empty, column, f"empty {what} id", f"give every row a {what} id")
        return stripped

    def unique(self, table: Table, ids: pd.Series, column: str, what: str) -> np.ndarray:
        """Report repeated ids; return the mask of repeats (each id's first row is not one)."""
        if _all_distinct(ids):
            return np.zeros(len(ids), dtype=bool)
        values = ids.to_numpy(dtype=object)
        # an empty id is reported by :meth:`ids`; two empty ids are not also a duplicate
        present = ids.notna().to_numpy(dtype=bool) & (ids.astype(str).str.strip() != "").to_numpy(dtype=bool)
        dup = ids.duplicated(keep="first").to_numpy() & present
        bad = np.flatnonzero(dup)
        for pos in bad[:MAX_ROWS_REPORTED]:
            first = int(np.flatnonzero(values == values[pos])[0])
            self.add(
                table.name,
                f"duplicate {what} id '{ids.iloc[pos]}' (first defined on line {int(table.line(np.array([first]))[0])})",
                f"give each {what} one row, or rename one of them",
                int(table.line(np.array([pos]))[0]),
                column,
            )
        if bad.size > MAX_ROWS_REPORTED:
            self.add(table.name, f"{bad.size - MAX_ROWS_REPORTED} more duplicate {what} ids", "remove the duplicates", None, column)
        return dup

    def known(self, table: Table, ids: pd.Series, column: str, known: pd.Index, what: str, where: str) -> np.ndarray:
        """Codes of ``ids`` in ``known``; unknown ids are reported and coded -1."""
        codes = self.positions(known, ids)
        unknown = codes < 0
        bad = np.flatnonzero(unknown)
        for pos in bad[:MAX_ROWS_REPORTED]:
            self.add(
                table.name,
                f"unknown {what} id '{ids.iloc[pos]}'",
                f"define it in {where} or correct the spelling",
                int(table.line(np.array([pos]))[0]),
                column,
            )
        if bad.size > MAX_ROWS_REPORTED:
            self.add(table.name, f"unknown {what} ids in {bad.size - MAX_ROWS_REPORTED} more rows", f"define them in {where}", None, column)
        return np.asarray(codes)

    def numbers(
        self,
        table: Table,
        column: str,
        *,
        allow_empty: bool = False,
        allow_inf: bool = False,
        positive: bool = False,
        smallest: float = 0.0,
    ) -> np.ndarray:
        """Check a numeric column: numeric, not NaN, finite, not negative, ``|v| ≤ MAX_MAGNITUDE``,
        and, where ``smallest > 0``, ``v = 0 or |v| ≥ smallest``.

        Returns the float values (NaN where empty and ``allow_empty``, or where invalid).
        """
        raw = table.frame[column]
        if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
            values = raw.to_numpy(dtype=float, na_value=np.nan)
            nonnumeric = np.zeros(len(values), dtype=bool)
            empty = np.isnan(values)
            text = None
        else:
            text = raw.astype("string").str.strip()
            values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            empty = (text.isna() | (text == "")).to_numpy(dtype=bool)
            lowered = text.str.lower()
            nan_text = lowered.isin(["nan", "na", "n/a"]).to_numpy(dtype=bool)
            nonnumeric = np.isnan(values) & ~empty & ~nan_text
            self.rows(table, nan_text, column, "value {value} is NaN", f"write a number in '{column}'",
                      shown=text.to_numpy(dtype=object))
            if nonnumeric.any():
                bad = np.flatnonzero(nonnumeric)
                for pos in bad[:MAX_ROWS_REPORTED]:
                    self.add(
                        table.name,
                        f"'{text.iloc[pos]}' is not a number",
                        f"write a plain decimal number in '{column}' (e.g. 0.25)",
                        int(table.line(np.array([pos]))[0]),
                        column,
                    )
                if bad.size > MAX_ROWS_REPORTED:
                    self.add(table.name, f"non-numeric values in {bad.size - MAX_ROWS_REPORTED} more rows", f"write numbers in '{column}'", None, column)
            empty = empty & ~nan_text
        if not allow_empty:
            if text is None:
                self.rows(table, empty, column, "value is empty or NaN", f"write a number in '{column}'")
            else:
                self.rows(table, empty, column, "value is empty", f"write a number in '{column}'")
        # the value as the user wrote it (a CSV cell's text), else the number read
        shown = values if text is None else text.to_numpy(dtype=object)
        isinf = np.isinf(values)
        if not allow_inf:
            self.rows(table, isinf, column, "value {value} is infinite", f"write a finite number in '{column}' (leave the row out for 'unlimited')", shown)
        negative = values < 0
        self.rows(table, negative, column, "value {value} is negative", f"'{column}' must be ≥ 0; model a by-product in outputs.csv instead of a negative input", shown)
        if positive:
            self.rows(table, values == 0, column, "value {value} is zero", f"'{column}' must be > 0", shown)
        magnitude = np.abs(np.where(np.isfinite(values), values, 0.0))
        self.rows(table, magnitude > MAX_MAGNITUDE, column, f"value {{value}} is too large (over {MAX_MAGNITUDE:g})",
                  f"measure '{column}' in larger units (thousands, millions) so that it stays under {MAX_MAGNITUDE:g}", shown)
        if smallest > 0:  # a tiny input coefficient is harmless (real tables hold 1e-20s); a tiny output is not
            self.rows(table, (magnitude > 0) & (magnitude < smallest), column,
                      f"value {{value}} is too small (under {smallest:g}, below what a solver can tell from 0)",
                      f"measure '{column}' in smaller units so that it is at least {smallest:g}", shown)
        return values
