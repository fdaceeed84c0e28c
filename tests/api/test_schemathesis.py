"""Schemathesis over the whole OpenAPI schema: no request makes the API fail (5xx) or answer
something its schema does not promise.

Every operation gets valid (positive) and invalid (negative) requests, sent by a signed-in
company_admin; about half of them use ids that exist (a member, their device, session, command,
team), so the routes are reached beyond "404 not found". Derandomized and without an example
database, so a run is repeatable; bounded by EXAMPLES per operation and mode.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from callers import Caller, sign_in
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tenancy_world import Company, build_company

from api.config import Settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Positive requests only: a 2xx answer is re-sent without and with a wrong token (must be 401).
# Negative requests carry the admin's real token in place of the negated one, so not there.
POSITIVE_CHECKS = [*CHECKS, ignored_auth]


@dataclass
class Admin:
    """The admin's headers; signs in again when a fuzzed request signed this device out."""

    company: Company
    caller: Caller | None = None
    findings: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        if self.caller is None:
            self.caller = sign_in(self.company.client, self.company.admin.email)
        return self.caller.headers


def known_ids(company: Company) -> dict[str, Any]:
    member = company.people["member"]
    return {
        "user_id": member.user_id,
        "device_id": member.device_id,
        "session_id": member.session_id,
        "command_id": member.command_id,
        "team_id": company.team_id,
    }


def fuzz(operation: Any, mode: schemathesis.GenerationMode, admin: Admin) -> None:
    known = known_ids(admin.company)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), use_known=st.booleans())
    def run(case: schemathesis.Case, use_known: bool) -> None:
        if use_known and case.path_parameters:
            for name in case.path_parameters:
                case.path_parameters[name] = known.get(name, case.path_parameters[name])
        # The admin's own token and device (a generated X-Device-ID would only ever get 401).
        case.headers = {**(case.headers or {}), **admin.headers()}
        try:
            checks = POSITIVE_CHECKS if mode == schemathesis.GenerationMode.POSITIVE else CHECKS
            response = case.call_and_validate(checks=checks)
        except (Exception, BaseExceptionGroup) as e:  # a check failed: note it once, go on
            first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            key = f"{operation.label} [{mode.value}] {first_line}"
            text = f"{str(e)[:1500]}\n    reproduce: {case.as_curl_command()[:1500]}"
            admin.findings.setdefault(key, text)
            return
        if response.status_code == 401:  # e.g. a fuzzed logout signed this device out
            admin.caller = None

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid (no parameters)
        run()


@pytest.fixture
def fuzzed_company(settings: Settings, app: FastAPI) -> Iterator[Company]:
    with TestClient(app, client=("192.0.2.44", 41000)) as client:
        yield build_company("fuzz", settings, client)


def test_no_request_breaks_the_api_or_its_schema(app: FastAPI, fuzzed_company: Company) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    admin = Admin(fuzzed_company)
    # Last: signing out (the admin signs in again on a new device each time), then the
    # company settings, which may lower the device limit below what signing in again needs.
    last = ["POST /api/auth/logout", "PATCH /api/admin/company"]
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda op: last.index(op.label) + 1 if op.label in last else 0,
    )
    assert len(operations) > 30, "the schema lost its routes"
    modes: list[schemathesis.GenerationMode] = list(schemathesis.GenerationMode)
    for operation in operations:
        for mode in modes:
            fuzz(operation, mode, admin)
    report = "\n\n".join(f"{key}\n  {text}" for key, text in sorted(admin.findings.items()))
    assert admin.findings == {}, report
