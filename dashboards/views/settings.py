"""Settings (admins): monitoring rules with a preview, categories, people, teams, devices."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import streamlit as st

from dashboards import context, directory, preview
from dashboards.api_client import ApiError
from dashboards.views import apps


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def rules_form(document: dict[str, Any]) -> dict[str, Any]:
    """The everyday rule fields as widgets; returns the edited document (not yet saved)."""
    tracking = dict(document.get("tracking") or {})
    shots = dict(document.get("screenshots") or {})
    left, right = st.columns(2)
    with left:
        tracking["titles"] = st.toggle("Record window titles", tracking.get("titles", True))
        tracking["urls"] = st.toggle("Record web addresses", tracking.get("urls", True))
        tracking["idle_threshold_seconds"] = st.number_input(
            "Idle after (seconds)", 30, 3600, int(tracking.get("idle_threshold_seconds", 300))
        )
        shots["per_hour"] = st.number_input(
            "Screenshots per hour (0 = none)", 0, 30, int(shots.get("per_hour", 6))
        )
        shots["blur"] = st.toggle("Blur screenshots", bool(shots.get("blur", False)))
    with right:
        for field, label in (
            ("blocked_apps", "Never record these apps (one per line)"),
            ("blocked_domains", "Never record these sites (one per line)"),
            ("sensitive_apps", 'Record only "[redacted]" for these apps (one per line)'),
        ):
            tracking[field] = lines(st.text_area(label, "\n".join(tracking.get(field) or [])))
    return {**document, "tracking": tracking, "screenshots": shots}


def render_rules(ctx: context.PageContext) -> None:
    document = rules_form(context.rules(ctx))
    with st.expander("Advanced: the whole rules document (JSON)"):
        raw = st.text_area(
            "Rules JSON", json.dumps(document, indent=2), height=300, key="rules_json"
        )
    try:
        document = json.loads(raw)
    except ValueError as e:
        st.error(f"The rules JSON is not valid ({e}); fix it before saving.")
        return
    st.markdown("**What employees will be subject to**")
    st.markdown("\n".join(f"- {sentence}" for sentence in preview.describe(document)))
    if st.button("Save rules", type="primary", key="save_rules"):
        try:
            directory.save_rules(ctx.api, document)
        except ApiError as e:
            st.error(f"The rules were not saved: {e.message}")
            return
        context.forget_rules()
        st.success("Rules saved; collectors receive them with their next heartbeat.")


def render_people(ctx: context.PageContext) -> None:
    teams = {t.team_id: t.name for t in ctx.teams}
    table = pl.DataFrame(
        [
            {
                "name": p.name,
                "email": p.email,
                "role": p.role,
                "status": p.status,
                "teams": ", ".join(teams.get(t, t) for t in p.team_ids),
            }
            for p in ctx.people
        ],
        schema={
            "name": pl.String,
            "email": pl.String,
            "role": pl.String,
            "status": pl.String,
            "teams": pl.String,
        },
    )
    st.dataframe(table, hide_index=True, key="settings_people")
    with st.form("invite", clear_on_submit=True):
        st.markdown("**Invite someone**")
        email = st.text_input("Email")
        name = st.text_input("Name")
        role = st.selectbox("Role", ["user", "sub_admin", "company_admin"])
        chosen = st.multiselect("Teams", list(teams), format_func=teams.__getitem__)
        if st.form_submit_button("Send invitation"):
            _submit(
                lambda: directory.invite(ctx.api, email.strip(), name.strip(), role, chosen),
                f"Invited {email}.",
            )


def render_teams(ctx: context.PageContext) -> None:
    names = {p.user_id: p.name for p in ctx.people}
    rows = [
        {"team": t.name, "members": ", ".join(names.get(m, m) for m in t.member_ids)}
        for t in ctx.teams
    ]
    st.dataframe(
        pl.DataFrame(rows, schema={"team": pl.String, "members": pl.String}),
        hide_index=True,
        key="settings_teams",
    )
    if ctx.teams:
        names_of_teams = {t.team_id: t.name for t in ctx.teams}
        team_id = st.selectbox("Team", list(names_of_teams), format_func=names_of_teams.__getitem__,
                               key="members_team")  # fmt: skip
        team = next(t for t in ctx.teams if t.team_id == team_id)
        members = st.multiselect("Members", list(names), [m for m in team.member_ids if m in names],
                                 format_func=names.__getitem__, key="members_pick")  # fmt: skip
        if st.button("Save members", key="save_members"):
            _submit(lambda: directory.set_team_members(ctx.api, team_id, members), "Members saved.")
    with st.form("new_team", clear_on_submit=True):
        name = st.text_input("New team name")
        if st.form_submit_button("Create team"):
            _submit(lambda: directory.create_team(ctx.api, name.strip()), f"Created {name}.")


def render_categories(ctx: context.PageContext) -> None:
    """The productivity rules as an editable table (rows can be added and deleted)."""
    document = context.rules(ctx)
    productivity = dict(document.get("productivity") or {})
    rules = pl.DataFrame(
        productivity.get("rules") or [],
        schema={"match": pl.String, "pattern": pl.String, "category": pl.String},
    )
    config = {
        "match": st.column_config.SelectboxColumn("match", options=["app", "domain", "title"]),
        "pattern": st.column_config.TextColumn("pattern (part of the name, any case)"),
        "category": st.column_config.SelectboxColumn("category", options=apps.CATEGORY_NAMES),
    }
    edited = st.data_editor(rules, num_rows="dynamic", column_config=config, key="category_rules")
    names = apps.CATEGORY_NAMES
    default = st.selectbox("Anything else is", names, names.index(productivity.get("default",
                           "neutral")), key="category_default")  # fmt: skip
    if st.button("Save categories", key="save_categories"):
        rows = [r for r in edited.to_dicts() if r.get("match") and r.get("pattern")]
        new = {**productivity, "default": default, "rules": rows}
        _submit(lambda: directory.save_rules(ctx.api, {**document, "productivity": new}),
                "Categories saved.")  # fmt: skip
        context.forget_rules()


def render_devices(ctx: context.PageContext) -> None:
    devices = [d for d in directory.presence(ctx.api) if d.get("user_id") in ctx.names]
    if not devices:
        st.info("No devices are bound yet.")
        return
    table = pl.DataFrame(
        [{"person": ctx.name_of(d["user_id"]), "device": d["device_id"], "online": d["online"],
          "status": d.get("status"), "last_seen_at": d.get("last_seen_at")} for d in devices]
    )  # fmt: skip
    st.dataframe(table, hide_index=True, key="settings_devices")
    labels = {f"{d['user_id']}/{d['device_id']}": f"{ctx.name_of(d['user_id'])} — {d['device_id']}"
              for d in devices}  # fmt: skip
    pick = st.selectbox("Device", ["", *labels], format_func=lambda k: labels.get(k, "—"))
    if pick and st.button("Revoke device", key="revoke_device"):
        user_id, device_id = pick.split("/", 1)
        _submit(lambda: directory.revoke_device(ctx.api, user_id, device_id), "Device revoked.")


def _submit(action: Any, done: str) -> None:
    try:
        action()
    except ApiError as e:
        st.error(e.message)
        return
    context.forget_directory()
    st.success(done)


def render() -> None:
    ctx = context.page_context()
    if not ctx.viewer.is_admin:
        st.error("Only company admins can change settings.")
        return
    st.title("Settings")
    tabs = st.tabs(["Monitoring rules", "Categories", "People", "Teams", "Devices"])
    rules, categories, people, teams, devices = tabs
    with rules:
        render_rules(ctx)
    with categories:
        render_categories(ctx)
    with people:
        render_people(ctx)
    with teams:
        render_teams(ctx)
    with devices:
        render_devices(ctx)


if __name__ == "__main__":
    render()
