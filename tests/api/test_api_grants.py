"""Storage grants: a local lake root, or S3 credentials scoped to the user's landing prefix.

moto accepts STS session policies but does not enforce them, so these tests check the exact
policy issued and the happy path; enforcement needs real S3 or MinIO (docs/security.md).
"""

from __future__ import annotations

import json

import boto3
import pytest
from callers import Caller, sign_in
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Bootstrapped
from api.config import Settings
from api.grants import S3Location, s3_location, session_policy


def test_the_session_policy_allows_only_putobject_under_the_users_prefix() -> None:
    policy = session_policy(S3Location("lake-bucket", "tenants/"), "c1", "u1")
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteOwnLanding",
                "Effect": "Allow",
                "Action": ["s3:PutObject"],
                "Resource": ["arn:aws:s3:::lake-bucket/tenants/landing/*/company=c1/user=u1/*"],
            }
        ],
    }
    assert s3_location("s3://b") == S3Location("b", "")
    assert s3_location("s3://b/x/y/") == S3Location("b", "x/y/")


def test_a_local_lake_grant_names_the_root_prefix_and_key(
    admin: Caller, settings: Settings
) -> None:
    grant = admin.call("POST", "/api/agent/storage-grant").json()
    assert grant["kind"] == "local"
    assert grant["lake_url"] == settings.resolved_lake_url()
    assert (
        grant["landing_prefix"] == f"landing/*/company={grant['company_id']}/user={admin.user_id}/*"
    )
    assert grant["public_key"] == admin.login["company"]["public_key"]
    assert grant["credentials"] is None


@pytest.mark.s3
def test_s3_credentials_write_into_the_users_landing_prefix(
    settings: Settings, company: Bootstrapped, s3_endpoint: str, s3_bucket: str
) -> None:
    s3_settings = settings.model_copy(
        update={
            "lake_url": f"s3://{s3_bucket}/lake",
            "s3_endpoint_url": s3_endpoint,
            "sts_role_arn": "arn:aws:iam::123456789012:role/teamtreck-collector",
            "grant_seconds": 900,
        }
    )
    with TestClient(create_app(s3_settings)) as client:
        me = sign_in(client, "boss@acme.example")
        grant = me.call("POST", "/api/agent/storage-grant").json()
    assert grant["kind"] == "s3"
    assert grant["endpoint_url"] == s3_endpoint
    creds = grant["credentials"]
    assert creds["session_token"]
    assert creds["expires_at"] == grant["expires_at"]
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=grant["region"],
        aws_access_key_id=creds["access_key_id"],
        aws_secret_access_key=creds["secret_access_key"],
        aws_session_token=creds["session_token"],
    )
    key = (
        f"lake/landing/activity/company={company.company_id}/user={me.user_id}/"
        "date=2026-11-20/batch1.parquet"
    )
    s3.put_object(Bucket=s3_bucket, Key=key, Body=b"sealed bytes")
    stored = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    assert stored.get_object(Bucket=s3_bucket, Key=key)["Body"].read() == b"sealed bytes"


def test_s3_grants_without_a_role_say_what_is_missing(
    settings: Settings, company: Bootstrapped
) -> None:
    s3_settings = settings.model_copy(update={"lake_url": "s3://bucket/lake"})
    with TestClient(create_app(s3_settings)) as client:
        me = sign_in(client, "boss@acme.example")
        r = me.call("POST", "/api/agent/storage-grant")
    assert r.status_code == 503
    assert "STS_ROLE_ARN" in r.json()["error"]["message"]
    assert json.loads(r.text)["error"]["code"] == "grant_unavailable"
