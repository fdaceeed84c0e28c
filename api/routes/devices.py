"""Devices bound to people: list and revoke (a revoked device's tokens stop working at once)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import CurrentAdmin, CurrentUser, DbSession
from api.devices import list_devices, sign_out_device
from api.errors import NotFound, responses
from api.models.users import DevicePublic
from api.scope import visible_user

router = APIRouter(tags=["devices"])


@router.get("/me/devices", response_model=list[DevicePublic], responses=responses(401, 403, 429))
def my_devices(principal: CurrentUser, conn: DbSession) -> list[DevicePublic]:
    return list_devices(conn, principal.company_id, principal.user_id)


@router.delete(
    "/me/devices/{device_id}",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 429),
)
def revoke_my_device(device_id: str, principal: CurrentUser, conn: DbSession) -> None:
    """Revoke one of your devices (it must log in with a new device id to be used again)."""
    if not sign_out_device(conn, principal.user_id, device_id, revoke=True):
        raise NotFound(f"You have no device {device_id}.")


@router.get(
    "/users/{user_id}/devices",
    response_model=list[DevicePublic],
    responses=responses(401, 403, 404, 429),
)
def user_devices(user_id: str, principal: CurrentAdmin, conn: DbSession) -> list[DevicePublic]:
    visible_user(conn, principal, user_id)
    return list_devices(conn, principal.company_id, user_id)


@router.delete(
    "/users/{user_id}/devices/{device_id}",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 429),
)
def revoke_user_device(
    user_id: str, device_id: str, principal: CurrentAdmin, conn: DbSession
) -> None:
    visible_user(conn, principal, user_id)
    if not sign_out_device(conn, user_id, device_id, revoke=True):
        raise NotFound(f"User {user_id} has no device {device_id}.")
