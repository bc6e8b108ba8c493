"""The fixed parts of a copy package: file names, the manifest's form and the README.

The manifest is written in exactly one form (``package_verifier.manifest_bytes``), so that the
verifier can tell any edited byte; its content part (everything but ``attachments``) is what
the ``package.built`` event commits to by SHA-256.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from lawtrail.ledger import package_verifier

FORMAT = package_verifier.FORMAT
MANIFEST = package_verifier.MANIFEST
CHECKPOINT = package_verifier.CHECKPOINT
KEY = package_verifier.KEY
EVENTS = package_verifier.EVENTS
PROOFS = package_verifier.PROOFS
VERIFIER = "verify_package.py"
README = "README.txt"

manifest_bytes = package_verifier.manifest_bytes
manifest_core = package_verifier.manifest_core


def core_sha256(manifest: dict[str, Any]) -> str:
    return hashlib.sha256(package_verifier.canonical(manifest_core(manifest))).hexdigest()


def verifier_source() -> bytes:
    return Path(package_verifier.__file__).read_bytes()


README_TEXT = """\
执法全过程记录 复制件包  /  Copy package of law-enforcement records
===================================================================

包编号 Package:        {package}
提供给 Recipient:      {recipient}
申请号 Request number: {request_number}
制作时间 Made at:      {made_at} (UTC)
制作人 Made by:        {made_by}
账本 Log:              {origin}
账本验证公钥 Log verifier key:
    {key}

【中文】
本包依据《陕西省卫生计生系统行政执法全过程记录工作制度（试行）》第二十条，经执法机构负责人
同意复制。内容：
  working/    为贵单位制作的加水印工作副本（水印含贵单位名称、申请号和制作时间）；
  originals/  经批准提供的原始文件（与采集时逐字节相同）；
  manifest.json  每个文件的大小、SHA-256 和 SM3，原始文件采集时登记的摘要；
  ledger/     审计账本中的相关事件、包含证明（inclusion proof）、签名检查点和验证公钥；
  verify_package.py  离线验证程序（只需 Python 3.11 及以上，无需联网、无需安装其他软件）。

验证方法：在任一装有 Python 3.11+ 的计算机上，于本包所在目录运行
    python3 verify_package.py 本包文件名.zip
如已通过可信渠道（公函等）从执法机构取得账本验证公钥，将其存入 key.txt 后运行
    python3 verify_package.py 本包文件名.zip --key key.txt
每项检查各占一行（OK 或 FAIL）。退出状态 0 且最后一行为 "VERIFIED." 表示：每个文件与清单一致，
每个原始文件与采集时登记的摘要一致，每个事件均在已签名的账本中，签名有效。任何一个字节被改动、
文件缺少或多出，都会显示 FAIL 并以状态 1 退出。验证程序本身也可与执法机构提供的版本比对：
其 SHA-256 为 {verifier_sha256}。

[English]
This package was copied with the consent of the head of the enforcement agency (Art. 20 of the
Shaanxi rules on whole-process recording). It holds:
  working/    working copies watermarked for you (your name, the request number, the time made);
  originals/  the originals, where approved, byte for byte as they were received;
  manifest.json  every file's size, SHA-256 and SM3, and each original's digests at ingest;
  ledger/     the ledger events that concern them, their inclusion proofs, a signed checkpoint
              and the log's verifier key;
  verify_package.py  the offline verifier (Python 3.11+ only; no network, nothing to install).

To verify, on any computer with Python 3.11 or later, run
    python3 verify_package.py THIS-PACKAGE.zip
If you obtained the log's verifier key from the agency through a channel you trust (a letter),
put it in key.txt and run
    python3 verify_package.py THIS-PACKAGE.zip --key key.txt
Each check prints one line (OK or FAIL). Exit status 0 and a last line "VERIFIED." mean: every
file matches the manifest, every original matches the digests recorded when it was received,
every event is in the signed log, and the signature is valid. A changed byte, a missing or an
extra file prints FAIL and exits with status 1. The verifier's own SHA-256 is
{verifier_sha256}; compare it with the copy the agency publishes.
"""


def readme(manifest: dict[str, Any], key: str) -> bytes:
    recipient = manifest["recipient"]
    who = " ".join(x for x in (recipient["organisation"], recipient["name"]) if x)
    return README_TEXT.format(
        package=manifest["package"],
        recipient=who,
        request_number=recipient["request_number"],
        made_at=manifest["made_at"],
        made_by=manifest["made_by"],
        origin=manifest["log_origin"],
        key=key,
        verifier_sha256=hashlib.sha256(verifier_source()).hexdigest(),
    ).encode("utf-8")
