"""Importers for data people already hold: input–output tables, supply–use tables, pymrio systems.

* :mod:`~councilplan.model.importers.iot` — symmetric input–output tables (``Z``, ``x``,
  final demand, a labour row) → Leontief economy, with presets for published tables.
* :mod:`~councilplan.model.importers.sut` — supply–use tables → activity-analysis economy
  under the industry-technology assumption (one process per industry, joint production).
* :mod:`~councilplan.model.importers.pymrio_io` — a ``pymrio.IOSystem`` (EXIOBASE, WIOD,
  OECD ICIO …) → Leontief economy.

Bad source tables raise :class:`~councilplan.model.errors.SourceTableError`, whose message
names the file, the row or column and the fix.
"""

from councilplan.model.importers.iot import PRESETS as IOT_PRESETS
from councilplan.model.importers.iot import IOTable, IOTLayout, read_iot, read_iot_table
from councilplan.model.importers.pymrio_io import from_pymrio
from councilplan.model.importers.sut import (
           SUT_PRESETS,
           read_abs,
           read_bea,
           read_spain,
           read_sut,
           read_sweden,
)

__all__ = ["IOT_PRESETS", "SUT_PRESETS", "IOTLayout", "IOTable", "from_pymrio", "read_abs", "read_bea", "read_iot",
           "read_iot_table", "read_spain", "read_sut", "read_sweden"]
