"""LAWTRAIL_STORE: good URLs build stores, malformed ones stop start-up with a sentence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lawtrail.storage.config import (
    LocalSpec,
    S3Spec,
    StoreURLError,
    from_url,
    parse_store_url,
    redact,
)
from lawtrail.storage.local import LocalStore

REPO = Path(__file__).resolve().parents[3]


def test_a_file_url_names_a_local_store(tmp_path: Path) -> None:
    assert parse_store_url(tmp_path.as_uri()) == LocalSpec(tmp_path)
    assert parse_store_url("file://localhost/srv/store") == LocalSpec(Path("/srv/store"))
    store = from_url((tmp_path / "with space").as_uri())
    assert isinstance(store, LocalStore) and store.root == tmp_path / "with space"


def test_an_s3_url_names_an_s3_store() -> None:
    spec = parse_store_url(
        "s3://evidence/province/610000?endpoint=http://127.0.0.1:8333&region=cn-northwest-1"
        "&access_key=AK&secret_key=S%2FK&lock=governance&retention_days=3650"
        "&require_lock=true&part_size_mib=64"
    )
    assert spec == S3Spec(
        bucket="evidence",
        prefix="province/610000",
        endpoint="http://127.0.0.1:8333",
        region="cn-northwest-1",
        access_key="AK",
        secret_key="S/K",
        lock="governance",
        retention_days=3650,
        require_lock=True,
        part_size_mib=64,
    )
    store = from_url("s3://evidence?endpoint=http://127.0.0.1:8333&lock=off&part_size_mib=64")
    assert store.kind == "s3"
    assert (store.bucket, store.lock, store.part_size) == ("evidence", None, 64 << 20)  # type: ignore[attr-defined]


def test_an_s3_url_defaults_to_a_compliance_lock() -> None:
    spec = parse_store_url("s3://evidence")
    assert isinstance(spec, S3Spec)
    assert (spec.lock, spec.endpoint, spec.access_key, spec.require_lock) == (
        "compliance",
        None,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "empty"),
        (" file:///srv/store", "spaces"),
        ("/srv/store", "file:///absolute/folder"),
        ("ftp://host/x", "file:///absolute/folder"),
        ("file://server/share", "local folder"),
        ("file:///", "absolute folder other than /"),
        ("file://relative", "local folder"),
        ("file:///srv/../etc", "'..'"),
        ("file:///srv/store?x=1", "no parameters"),
        ("s3://", "not a valid bucket name"),
        ("s3://Evidence", "not a valid bucket name"),
        ("s3://ab", "not a valid bucket name"),
        ("s3://key:secret@evidence", "no credentials"),
        ("s3://evidence?endpoint=127.0.0.1:8333", "endpoint must be http(s)"),
        ("s3://evidence?endpoint=http://h:99999", "bad port"),
        ("s3://evidence?endpoint=", "empty"),
        ("s3://evidence?region=a&region=b", "given twice"),
        ("s3://evidence?acess_key=x", "unknown parameters"),
        ("s3://evidence?access_key=x", "together"),
        ("s3://evidence?secret_key=x", "together"),
        ("s3://evidence?lock=forever", "lock must be"),
        ("s3://evidence?require_lock=yes", "require_lock must be"),
        ("s3://evidence?lock=off&require_lock=true", "contradicts"),
        ("s3://evidence?retention_days=-1", "positive whole number"),
        ("s3://evidence?part_size_mib=1", "at least 5"),
        ("s3://evidence/a//b", "bad key prefix"),
        ("s3://evidence#x", "fragment"),
    ],
)
def test_a_malformed_url_is_refused_with_a_reason(url: str, says: str) -> None:
    with pytest.raises(StoreURLError, match=says.replace("(", r"\(").replace(")", r"\)")):
        parse_store_url(url)


def test_secrets_are_masked_in_messages() -> None:
    url = "s3://evidence?endpoint=http://h:1&access_key=AK&secret_key=TOPSECRET"
    assert "TOPSECRET" not in redact(url)
    assert "AK" in redact(url)


def test_settings_refuse_a_bad_store(monkeypatch: pytest.MonkeyPatch) -> None:
    from lawtrail import settings

    monkeypatch.setenv("LAWTRAIL_STORE", "s3://evidence?secret_key=TOPSECRET&lock=maybe")
    with pytest.raises(ImproperlyConfigured) as caught:
        settings.evidence_store()
    message = str(caught.value)
    assert message.startswith("Unexpected value LAWTRAIL_STORE=")
    assert "TOPSECRET" not in message


def test_settings_default_to_a_store_in_the_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    from lawtrail import settings

    monkeypatch.delenv("LAWTRAIL_STORE", raising=False)
    url = settings.evidence_store()
    assert parse_store_url(url) == LocalSpec(settings.LAWTRAIL_HOME / "store")


def test_a_bad_store_stops_start_up(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import lawtrail.settings"],
        cwd=REPO,
        env={
            "PATH": "/usr/bin:/bin",
            "LAWTRAIL_HOME": str(tmp_path),
            "LAWTRAIL_SECRET_KEY": "k" * 40,
            "LAWTRAIL_STORE": "s3://Bad_Bucket",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured: Unexpected value LAWTRAIL_STORE='s3://Bad_Bucket'" in done.stderr
