"""The economy model: technology, endowments and goals, its file format and pure kernels."""

from councilplan.model.economy import Economy
from councilplan.model.errors import EconomyError, Issue
from councilplan.model.formats import read_economy, write_economy

__all__ = ["Economy", "EconomyError", "Issue", "read_economy", "write_economy"]
