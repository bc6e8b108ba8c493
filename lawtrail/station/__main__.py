"""``python -m lawtrail.station run …``: the agent without the rest of the ``lawtrail`` command."""

from __future__ import annotations

import sys

from lawtrail.station.commands import main

if __name__ == "__main__":
    sys.exit(main())
