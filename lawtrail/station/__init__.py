"""The collection-station agent (采集站, 第十九条): it runs on the dock PC, not on the server.

Officers dock their body cameras at the unit's station within 48 hours of recording; the agent
watches the folder where the cameras appear, hashes each recording, uploads it over tus 1.0
with resume, waits until the server has made it evidence and confirms the digest, and only then
moves the file out of the camera's way. The protocol is decision 0013
(``docs/decisions/0013-station-protocol.md``).

The agent imports no Django: it speaks HTTP with the standard library (``http.client``) and
draws its progress bars with ``rich``.
"""

from __future__ import annotations

AGENT_VERSION = "lawtrail-station/1.0"
