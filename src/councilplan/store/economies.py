"""Economies as stored files: import, validate, load (cached by content hash).

An economy is stored as the text of its directory files (``economy.toml`` and the
CSVs of ARCHITECTURE section 8). Loading writes them to a temporary directory and
reads them with :func:`councilplan.model.formats.read_economy`, so a stored economy
is validated exactly as strictly as one on disk. Loaded economies are cached in memory by
content hash (their labour values by technology, in :func:`councilplan.planning.values.cached_labour_values`).
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from councilplan.model.economy import Economy
from councilplan.model.errors import EconomyError, Issue
from councilplan.model.formats import TABLES, read_economy, write_economy

ALLOWED_FILES = frozenset({"economy.toml", *(f"{t}.csv" for t in TABLES)})
MAX_FILE_CHARS = 200_000_000
_NAME = re.compile(r"^[a-z_]+\.(csv|toml)$")

_lock = threading.Lock()
_economies: OrderedDict[str, Economy] = OrderedDict()
CACHE_SIZE = 8


def files_of_directory(directory: str | Path) -> dict[str, str]:
    """The text of an economy directory's files (CSV and TOML only)."""
    d = Path(directory)
    return {p.name: p.read_text() for p in sorted(d.iterdir()) if p.name in ALLOWED_FILES}


def files_of_economy(economy: Economy) -> dict[str, str]:
    """An in-memory economy as directory files (through ``write_economy``)."""
    with tempfile.TemporaryDirectory(prefix="councilplan-") as tmp:
        write_economy(economy, tmp)
        return files_of_directory(tmp)


def parse_files(files: dict[str, str]) -> Economy:
    """Validate and read an economy from its files; every problem at once as an :class:`EconomyError`."""
    bad = [name for name in files if name not in ALLOWED_FILES or not _NAME.match(name)]
    if bad:
        raise EconomyError([Issue(name, "is not a file of the economy format",
                                  f"use only {', '.join(sorted(ALLOWED_FILES))}") for name in bad],
                           source="uploaded economy")
    with tempfile.TemporaryDirectory(prefix="councilplan-") as tmp:
        for name, text in files.items():
            (Path(tmp) / name).write_text(text)
        economy = read_economy(tmp)
    return economy


def cached(content_hash: str) -> Economy | None:
    """The loaded economy with this content hash if it is in the cache (no files needed)."""
    with _lock:
        hit = _economies.get(content_hash)
        if hit is not None:
            _economies.move_to_end(content_hash)
        return hit


def load(content_hash: str, files: dict[str, str]) -> Economy:
    """The economy of stored files, from the cache when its hash was seen before."""
    with _lock:
        hit = _economies.get(content_hash)
        if hit is not None:
            _economies.move_to_end(content_hash)
            return hit
    economy = parse_files(files)
    with _lock:
        _economies[content_hash] = economy
        while len(_economies) > CACHE_SIZE:
            _economies.popitem(last=False)
    return economy
