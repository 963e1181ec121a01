"""``python -m ngffkit`` runs the command line."""

from __future__ import annotations

import sys

from ngffkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
