"""A child process for the concurrent numbering test (test_numbering_concurrency.py).

Run as ``python -m lawtrail.records.tests.number_worker MODE …`` with its own
DJANGO_SETTINGS_MODULE, LAWTRAIL_HOME, LAWTRAIL_SECRET_KEY and (for PostgreSQL) DATABASE_URL:

- ``setup WORKERS``: build the province and one penalty matter per worker; print their ids.
- ``issue MATTER_ID COUNT GO_FILE``: print ``ready``, wait for GO_FILE, then write COUNT
  陈述申辩告知书 (each takes a 文号) and print the numbers as JSON.
- ``check``: print every record number in the database as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    import django

    django.setup()
    from lawtrail.agencies.models import Officer
    from lawtrail.records import actions
    from lawtrail.records.models import Record
    from lawtrail.records.tests.helpers import fields, open_matter
    from lawtrail.testing import make_province

    mode = argv[0]
    if mode == "setup":
        province = make_province()
        matters = [open_matter(province).pk for _ in range(int(argv[1]))]
        print(json.dumps(matters))
        return 0
    if mode == "issue":
        from lawtrail.matters.models import Matter

        matter = Matter.objects.get(pk=int(argv[1]))
        user = Officer.objects.get(user__username="officer_a").user
        go = Path(argv[3])
        print("ready", flush=True)
        deadline = time.monotonic() + 60
        while not go.exists():
            if time.monotonic() > deadline:
                return 3
            time.sleep(0.005)
        numbers = []
        for _ in range(int(argv[2])):
            record = actions.create_record(
                user, matter, "statement_notice", fields("statement_notice")
            )
            numbers.append(record.number)
        print(json.dumps(numbers, ensure_ascii=False), flush=True)
        return 0
    if mode == "check":
        print(json.dumps(list(Record.objects.values_list("number", flat=True)), ensure_ascii=False))
        return 0
    return 2


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
    sys.exit(main(sys.argv[1:]))
