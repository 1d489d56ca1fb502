"""``python -m councilplan`` runs the command line."""

from councilplan.cli import main

main()
