"""The process ``fieldcred edge serve`` becomes: ``python -m edge_node.service DATA HOST PORT``.

``edge serve`` parses its options, then replaces its own process with this one (same PID,
so systemd and Ctrl-C see no difference). A fresh interpreter holds only what serving
needs: the command-line framework that parsed the options would otherwise stay resident
for as long as the node runs, 1.5 MB of a board's 1 GB. HOST and PORT may be empty: then
the node's settings decide.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Open the node at ``DATA`` and serve it; 1 with one plain line when it cannot open."""
    from credentials.errors import CredentialError
    from edge_node.errors import EdgeError
    from edge_node.node import open_node

    data, host, port = argv
    try:
        node = open_node(Path(data))
    except (EdgeError, CredentialError) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    from edge_node.server import run

    run(node, host=host or node.settings.host, port=int(port) if port else node.settings.port)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
