"""``python -m edge_node``: the edge commands alone, without loading the other packages' CLIs."""

from edge_node.cli import app

app(prog_name="fieldcred edge")
