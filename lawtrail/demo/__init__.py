"""``lawtrail demo``: a demo province built through the real actions, so that every row it
creates has its ledger event.

陕西省 (610000) with the provincial supervisor and the administrator, 西安市 (610100), and the
counties 新城区 (610102, "A") and 碑林区 (610103, "B"); people of every role; matters of
every kind of 第二条 in every stage of 第三条, with parties, places, 第十四条 flags, approvals,
records (signed, refused, served) and real media ingested as evidence.

Run twice, it says the demo is there and changes nothing; on a database with other data it
refuses (exit 2), so a demo never mixes into a real province.
"""

from __future__ import annotations

from lawtrail.demo.build import build_demo

__all__ = ["build_demo"]
