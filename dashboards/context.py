"""What every page starts from: the viewer, their API client, the people they may see, the scope.

A page calls `page_context()` first; it stops the page when nobody is signed in.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboards import auth, data, directory, lake_snapshot, productivity
from dashboards.api_client import ApiClient
from dashboards.data import Period, Scope

PEOPLE_KEY = "people_cache"
PEOPLE_TTL_SECONDS = 60.0


@dataclass(frozen=True)
class PageContext:
    viewer: auth.Viewer
    api: ApiClient
    people: tuple[directory.Person, ...]
    teams: tuple[directory.Team, ...]
    scope: Scope

    def name_of(self, user_id: str) -> str:
        return next((p.name for p in self.people if p.user_id == user_id), user_id)

    @property
    def names(self) -> dict[str, str]:
        return {p.user_id: p.name for p in self.people}

    @property
    def team_of(self) -> productivity.Teams:
        """Whose team overrides apply to whom: a person's first team (by id)."""
        return tuple((p.user_id, sorted(p.team_ids)[0]) for p in self.people if p.team_ids)


def scope_for(
    viewer: auth.Viewer,
    people: tuple[directory.Person, ...],
    teams: tuple[directory.Team, ...],
) -> Scope:
    """Admins see their company; sub-admins their teams' people; a plain user only themselves."""
    if viewer.is_admin:
        return Scope(viewer.company_id, None)
    if viewer.is_manager:
        managed = {t.team_id for t in teams if viewer.user_id in t.admin_ids}
        ids = {p.user_id for p in people if managed.intersection(p.team_ids)}
        return Scope(viewer.company_id, tuple(sorted(ids)))
    return Scope(viewer.company_id, (viewer.user_id,))


def _directory(
    client: ApiClient,
) -> tuple[tuple[directory.Person, ...], tuple[directory.Team, ...]]:
    cached = st.session_state.get(PEOPLE_KEY)
    if cached and time.monotonic() - cached[0] < PEOPLE_TTL_SECONDS:
        return cached[1], cached[2]
    people = tuple(directory.people(client))
    teams = tuple(directory.teams(client))
    st.session_state[PEOPLE_KEY] = (time.monotonic(), people, teams)
    return people, teams


def forget_directory() -> None:
    """Drop the cached people and teams (after an edit in settings)."""
    st.session_state.pop(PEOPLE_KEY, None)


def page_context() -> PageContext:
    viewer = auth.require_viewer()
    client = auth.api()
    if viewer.is_manager:
        people, teams = _directory(client)
    else:
        people = (
            directory.Person(
                viewer.user_id, viewer.name, viewer.email, viewer.role, "active", viewer.team_ids
            ),
        )
        teams = ()
    scope = scope_for(viewer, people, teams)
    if scope.user_ids is not None:
        people = tuple(p for p in people if p.user_id in scope.user_ids)
    return PageContext(viewer, client, people, teams, scope)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def data_as_of(ctx: PageContext) -> None:
    """Say how fresh the lake figures are: work shows once the compactor has stored it."""
    st.caption(
        f"Recorded work as of {data.as_of(ctx.scope):%H:%M:%S} UTC "
        f"(the dashboards look for newly stored work every {lake_snapshot.LAKE_REFRESH_SECONDS} s)."
    )


def period_picker(key: str, default_days: int = 7) -> Period:
    """A date-range input (UTC days, inclusive); defaults to the last `default_days` days."""
    end = today()
    chosen = st.date_input(
        "Period (UTC)",
        value=(end - dt.timedelta(days=default_days - 1), end),
        max_value=end,
        key=key,
    )
    if isinstance(chosen, tuple) and len(chosen) == 2:
        return Period(chosen[0], chosen[1])
    first = chosen[0] if isinstance(chosen, tuple) and chosen else chosen
    day = first if isinstance(first, dt.date) else end
    return Period(day, day)


def person_picker(ctx: PageContext, key: str) -> str | None:
    """A select box of the people in scope; returns a user id (None when there is nobody)."""
    people = sorted(
        ctx.people,
        key=lambda p: (p.user_id == ctx.viewer.user_id, p.role != "user", p.name.lower()),
    )
    options = [p.user_id for p in people]
    if not options:
        st.info("There is nobody in your scope yet.")
        return None
    # Managers start on the first tracked person by name; a plain user only has themselves.
    default = options[0]
    picked = st.selectbox(
        "Person", options, index=options.index(default), format_func=ctx.name_of, key=key
    )
    return str(picked)


def team_filter(ctx: PageContext, key: str) -> set[str] | None:
    """A team select; returns the user ids of the chosen team (None = everyone in scope)."""
    names = {t.team_id: t.name for t in ctx.teams}
    choice = st.selectbox(
        "Team", ["", *names], format_func=lambda t: names.get(t, "All teams"), key=key
    )
    if not choice:
        return None
    return {p.user_id for p in ctx.people if choice in p.team_ids}


RULES_KEY = "rules_cache"


def rules(ctx: PageContext) -> dict[str, Any]:
    """The company's rules document from the API (kept for a minute in the session)."""
    cached = st.session_state.get(RULES_KEY)
    if cached and time.monotonic() - cached[0] < PEOPLE_TTL_SECONDS:
        return dict(cached[1])
    document = directory.rules(ctx.api)
    st.session_state[RULES_KEY] = (time.monotonic(), document)
    return document


def forget_rules() -> None:
    st.session_state.pop(RULES_KEY, None)


def categories(ctx: PageContext) -> productivity.Categories:
    """The productivity categories of the company, as the lake's metrics take them."""
    return productivity.categories_from_rules(rules(ctx))
