"""Where a collector writes: the lake URL, its landing prefix, the company public key and,
for S3, short-lived credentials scoped to that prefix."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.companies import company_public
from api.deps import CurrentUser, DbSession, Svc
from api.errors import responses
from api.grants import StsGrants
from api.models.agent import S3Credentials, StorageGrant
from lakehouse.layout import user_landing_glob

router = APIRouter(prefix="/agent", tags=["agent"])


@router.post("/storage-grant", response_model=StorageGrant, responses=responses(401, 403, 429, 503))
def storage_grant(
    request: Request, principal: CurrentUser, conn: DbSession, svc: Svc
) -> StorageGrant:
    """Ask where and how to write this user's landing files (credentials expire; ask again)."""
    company = company_public(conn, principal.company_id)
    conn.commit()  # hold no database lock while STS answers
    lake_url = svc.settings.resolved_lake_url()
    grant = StorageGrant(
        kind="s3" if lake_url.startswith("s3://") else "local",
        lake_url=lake_url,
        landing_prefix=user_landing_glob(principal.company_id, principal.user_id),
        company_id=principal.company_id,
        user_id=principal.user_id,
        key_id=company.key_id,
        public_key=company.public_key,
    )
    if grant.kind == "local":
        return grant
    sts = getattr(request.app.state, "sts", None)
    if sts is None:
        sts = request.app.state.sts = StsGrants(svc.settings)
    creds = sts.credentials(principal.company_id, principal.user_id)
    grant.endpoint_url = svc.settings.s3_endpoint_url or None
    grant.region = svc.settings.s3_region
    grant.credentials = S3Credentials(
        access_key_id=creds["AccessKeyId"],
        secret_access_key=creds["SecretAccessKey"],
        session_token=creds["SessionToken"],
        expires_at=creds["Expiration"],
    )
    grant.expires_at = grant.credentials.expires_at
    return grant
