"""``python -m roicodec`` runs the command line."""

from .cli import app

app(prog_name="roicodec")
