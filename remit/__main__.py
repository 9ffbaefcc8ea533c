"""``python -m remit`` runs the CLI, for when the ``remit`` script is not on PATH."""

from remit.cli import app

app(prog_name="remit")
