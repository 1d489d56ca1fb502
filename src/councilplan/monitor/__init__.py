"""What happens after a plan is published: workplace councils' production reports, a forecast of every
reported series, and deviation alerts (``docs/monitoring.md``). Pure domain code, like
:mod:`councilplan.democracy`: no database, no HTTP."""
