"""The object store: one root URL, local folder / memory / S3, whole-object atomic writes."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from lakehouse.errors import LayoutError, ObjectNotFoundError, StorageError
from lakehouse.storage import Store, default_lake_url, open_store


@pytest.fixture(params=["local", "memory", pytest.param("s3", marks=pytest.mark.s3)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "local":
        return open_store(str(tmp_path / "lake"))
    if request.param == "memory":
        return open_store(f"memory://lake-{uuid.uuid4().hex}")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return open_store(f"s3://{bucket}/prefix", endpoint_url=endpoint, region="us-east-1")


def test_put_get_find_delete(any_store: Store) -> None:
    any_store.put_bytes("landing/a/x.parquet", b"one")
    any_store.put_bytes("landing/b/y.parquet", b"two")
    any_store.put_bytes("curated/z.parquet", b"three")
    assert any_store.get_bytes("landing/b/y.parquet") == b"two"
    assert any_store.exists("curated/z.parquet")
    assert not any_store.exists("curated/nope.parquet")
    assert any_store.find("landing") == ["landing/a/x.parquet", "landing/b/y.parquet"]
    assert any_store.find("landing/a/") == ["landing/a/x.parquet"]
    assert any_store.find("nothing/here") == []
    any_store.delete(["landing/a/x.parquet", "landing/missing"])
    assert any_store.find() == ["curated/z.parquet", "landing/b/y.parquet"]


def test_sizes_list_bytes_per_object(any_store: Store) -> None:
    any_store.put_bytes("landing/a/x.parquet", b"12345")
    any_store.put_bytes("landing/b/y.parquet", b"")
    any_store.put_bytes("curated/z", b"1")
    assert any_store.sizes("landing") == {"landing/a/x.parquet": 5, "landing/b/y.parquet": 0}
    assert any_store.sizes("none") == {}


def test_rewrite_replaces_whole_object(any_store: Store) -> None:
    any_store.put_bytes("landing/a/x.parquet", b"a much longer first version")
    any_store.put_bytes("landing/a/x.parquet", b"short")
    assert any_store.get_bytes("landing/a/x.parquet") == b"short"


def test_missing_object_is_a_clear_error(any_store: Store) -> None:
    with pytest.raises(ObjectNotFoundError, match="no object there"):
        any_store.get_bytes("landing/none")


@pytest.mark.parametrize("bad", ["", "/etc/passwd", "../outside", "landing/../../x", "a//b"])
def test_paths_cannot_escape_the_root(any_store: Store, bad: str) -> None:
    with pytest.raises(LayoutError):
        any_store.put_bytes(bad, b"x")
    with pytest.raises(LayoutError):
        any_store.get_bytes(bad)


def test_local_writes_leave_no_partial_files(tmp_path: Path) -> None:
    store = open_store((tmp_path / "lake").as_uri())
    store.put_bytes("landing/a/x.parquet", b"data")
    store.put_bytes("landing/a/x.parquet", b"quick", durable=False)
    assert store.get_bytes("landing/a/x.parquet") == b"quick"
    files = [p.name for p in (tmp_path / "lake").rglob("*") if p.is_file()]
    assert files == ["x.parquet"]


def test_local_hidden_temporary_files_are_not_listed(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "lake"))
    (tmp_path / "lake" / "landing").mkdir()
    (tmp_path / "lake" / "landing" / ".x.parquet.123.tmp").write_bytes(b"half")
    assert store.find() == []


def test_default_lake_is_in_the_deployment_folder(
    teamtreck_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEAMTRECK_LAKE_URL", raising=False)
    assert default_lake_url() == (teamtreck_home / "lake").as_uri()
    store = open_store()
    store.put_bytes("landing/x", b"1")
    assert (teamtreck_home / "lake" / "landing" / "x").read_bytes() == b"1"
    monkeypatch.setenv("TEAMTRECK_LAKE_URL", "memory://configured")
    assert open_store().url == "memory://configured"


@pytest.mark.s3
def test_s3_sees_objects_written_by_another_client(s3_endpoint: str, s3_bucket: str) -> None:
    import boto3

    store = open_store(f"s3://{s3_bucket}/lake", endpoint_url=s3_endpoint)
    store.put_bytes("landing/a", b"1")
    assert store.find() == ["landing/a"]  # warms the listing cache
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.put_object(Bucket=s3_bucket, Key="lake/landing/b", Body=b"2")
    assert store.find() == ["landing/a", "landing/b"]
    assert client.get_object(Bucket=s3_bucket, Key="lake/landing/a")["Body"].read() == b"1"


@pytest.mark.s3
def test_s3_stores_share_one_filesystem(s3_endpoint: str, s3_bucket: str) -> None:
    first = open_store(f"s3://{s3_bucket}/lake", endpoint_url=s3_endpoint)
    second = open_store(f"s3://{s3_bucket}/other", endpoint_url=s3_endpoint)
    assert first.fs is second.fs


@pytest.mark.s3
def test_unreachable_s3_is_a_storage_error(s3_bucket: str) -> None:
    store = open_store(
        f"s3://{s3_bucket}/lake",
        endpoint_url="http://127.0.0.1:9",
        config_kwargs={"connect_timeout": 1, "retries": {"max_attempts": 1}},
    )
    with pytest.raises(StorageError):
        store.put_bytes("landing/a", b"1")
