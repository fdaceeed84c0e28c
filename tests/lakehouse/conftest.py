"""Fixtures for the lakehouse tests: company keys and stores (rows come from `rows.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.keys import CompanyKeyPair, FileKeyStore, generate_company_key
from lakehouse.storage import Store, open_store


@pytest.fixture
def company_pair() -> CompanyKeyPair:
    """A fresh key pair of company "acme"."""
    return generate_company_key("acme")


@pytest.fixture
def key_store(tmp_path: Path, company_pair: CompanyKeyPair) -> FileKeyStore:
    """A file key store holding `company_pair`."""
    store = FileKeyStore(tmp_path / "keys")
    store.save(company_pair)
    return store


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def lake_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """An empty lake on a local folder, then on the moto S3 server."""
    if request.param == "local":
        return open_store((tmp_path / "lake").as_uri())
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return open_store(f"s3://{bucket}/lake", endpoint_url=endpoint, key="testing", secret="testing")
