"""Storage grants: where and how a collector may write its landing files.

Local lake: the root URL (the collector runs on the same machine or a shared folder).
S3: temporary credentials from STS AssumeRole with an inline session policy that allows only
`s3:PutObject` under the user's own landing prefix (`lakehouse.layout.user_landing_glob`).
The effective permissions are the intersection of the role's policy and this session policy,
so the role itself may be broader. Note: moto (used in the tests) accepts but does not enforce
session policies; only real S3 (or MinIO) proves the enforcement.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from api.config import Settings
from api.errors import ApiError
from lakehouse.layout import user_landing_glob


class GrantUnavailable(ApiError):
    status_code = 503
    code = "grant_unavailable"


@dataclass(frozen=True, slots=True)
class S3Location:
    bucket: str
    prefix: str  # "" or "some/prefix/" (with the trailing slash)


def s3_location(lake_url: str) -> S3Location:
    parsed = urlparse(lake_url)
    prefix = parsed.path.strip("/")
    return S3Location(parsed.netloc, f"{prefix}/" if prefix else "")


def session_policy(location: S3Location, company_id: str, user_id: str) -> dict[str, Any]:
    """The inline policy: PutObject under this user's landing prefix, nothing else."""
    resource = (
        f"arn:aws:s3:::{location.bucket}/{location.prefix}{user_landing_glob(company_id, user_id)}"
    )
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteOwnLanding",
                "Effect": "Allow",
                "Action": ["s3:PutObject"],
                "Resource": [resource],
            }
        ],
    }


class StsGrants:
    """Issues S3 credentials through STS (one boto3 client per app)."""

    def __init__(self, settings: Settings) -> None:
        import boto3

        self._settings = settings
        self._client = boto3.client(
            "sts",
            endpoint_url=settings.sts_endpoint_url or settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
        )

    def credentials(self, company_id: str, user_id: str) -> dict[str, Any]:
        s = self._settings
        if not s.sts_role_arn:
            raise GrantUnavailable(
                "S3 grants need TEAMTRECK_STS_ROLE_ARN (the role collectors assume)."
            )
        policy = session_policy(s3_location(s.resolved_lake_url()), company_id, user_id)
        try:
            answer = self._client.assume_role(
                RoleArn=s.sts_role_arn,
                RoleSessionName=f"tt-{user_id}"[:64],
                Policy=json.dumps(policy),
                DurationSeconds=s.grant_seconds,
            )
        except Exception as e:  # botocore raises many kinds; the collector only needs to retry
            raise GrantUnavailable(
                f"STS refused to issue credentials ({type(e).__name__}); "
                "check the role and try again later."
            ) from e
        creds: dict[str, Any] = answer["Credentials"]
        expiration = creds["Expiration"]
        if isinstance(expiration, dt.datetime):
            creds["Expiration"] = expiration.astimezone(dt.UTC)
        return creds
