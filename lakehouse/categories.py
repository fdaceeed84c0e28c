"""Productivity categories: productive / neutral / unproductive time, from a company's rules.

A rule names a category and one or more conditions, all of which must hold:

- ``app`` — the app name, case-insensitive (``"code"``);
- ``domain`` — the domain or any subdomain of it (``"youtube.com"`` matches ``www.youtube.com``);
- ``title_pattern`` — a case-insensitive regular expression searched in the window title.

Rules with a ``team_id`` apply only to that team's members and win over company rules; within
each level the first matching rule (in list order) decides; no match means ``default``
(neutral). Only active time is categorised (idle time is nobody's). The API stores the rules;
dashboards pass them in (``ProductivityRules.model_validate(api_json)``).

Example::

    rules = ProductivityRules(rules=[Rule(category="unproductive", domain="youtube.com"),
                                     Rule(category="productive", app="code")])
    category_usage(con, rules, "acme", start, end, teams={"user-0001": "design"})
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pyarrow as pa
from pydantic import BaseModel, Field, field_validator, model_validator

from lakehouse.metrics import where

if TYPE_CHECKING:
    import duckdb


class Category(enum.StrEnum):
    """How a stretch of work time counts."""

    PRODUCTIVE = "productive"
    NEUTRAL = "neutral"
    UNPRODUCTIVE = "unproductive"


class Rule(BaseModel):
    """One categorisation rule (at least one condition)."""

    category: Category
    app: str | None = None
    domain: str | None = None
    title_pattern: str | None = None
    team_id: str | None = None

    @field_validator("title_pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(f"title_pattern is not a valid regular expression: {e}") from e
        return pattern

    @field_validator("domain")
    @classmethod
    def _bare_domain(cls, domain: str | None) -> str | None:
        return domain.strip().lower().removeprefix("*.").strip(".") if domain else domain

    @model_validator(mode="after")
    def _has_condition(self) -> Rule:
        if not (self.app or self.domain or self.title_pattern):
            raise ValueError("a rule needs at least one of app, domain or title_pattern")
        return self


class ProductivityRules(BaseModel):
    """A company's rules, with per-team overrides (rules carrying a team_id)."""

    rules: list[Rule] = Field(default_factory=list)
    default: Category = Category.NEUTRAL


def rules_table(rules: ProductivityRules) -> pa.Table:
    """Return the rules as an Arrow table with a `priority` (lower wins)."""
    rows = [
        {
            "priority": (0 if r.team_id else 1_000_000) + i,
            "team_id": r.team_id,
            "app": r.app.lower() if r.app else None,
            "domain": r.domain,
            "title_pattern": r.title_pattern,
            "category": str(r.category),
        }
        for i, r in enumerate(rules.rules)
    ]
    schema = pa.schema(
        [("priority", pa.int64())]
        + [(n, pa.string()) for n in ("team_id", "app", "domain", "title_pattern", "category")]
    )
    return pa.Table.from_pylist(rows, schema)


_MATCH = """
    (r.team_id IS NULL OR r.team_id = u.team_id)
    AND (r.app IS NULL OR lower(u.app) = r.app)
    AND (r.domain IS NULL OR u.domain = r.domain OR u.domain LIKE '%.' || r.domain)
    AND (r.title_pattern IS NULL OR regexp_matches(u.title, r.title_pattern, 'i'))
"""


def _usage_sql(rules: ProductivityRules, members: str, clause: str, per_day: bool) -> str:
    """Active seconds per (user[, day], app, domain[, title]) with the user's team.

    From the per-day rollups (thousands of rows, not millions): the title rollups when a rule
    looks at titles, else the smaller app rollups.
    """
    if any(rule.title_pattern for rule in rules.rules):
        source, title = "title_parts", "a.title"
    else:
        source, title = "app_parts", "NULL::VARCHAR AS title"
    if per_day:  # rollup rows are per user and day already: summing them again only costs time
        return f"""
            SELECT a.user_id, a.day, a.app, a.domain, {title}, m.team_id, a.active_seconds
            FROM {source} a LEFT JOIN {members} m USING (user_id)
            WHERE {clause}"""  # noqa: S608 (constants and bound parameters only)
    return f"""
        SELECT a.user_id, a.app, a.domain, {title}, m.team_id,
               sum(a.active_seconds) AS active_seconds
        FROM {source} a LEFT JOIN {members} m USING (user_id)
        WHERE {clause} GROUP BY ALL"""  # noqa: S608 (constants and bound parameters only)


def category_usage(
    con: duckdb.DuckDBPyConnection,
    rules: ProductivityRules,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None = None,
    teams: Mapping[str, str] | None = None,
    *,
    per_day: bool = True,
) -> duckdb.DuckDBPyRelation:
    """Active seconds per user, day and category (`teams` maps user_id -> team_id); with
    `per_day=False`, per user and category over the whole range (no `day` column).

    Activity is first summed per distinct (user, day, app, domain[, title]) — from the title
    rollups when a rule looks at titles, else from the app rollups. A category depends only on
    the team, app, domain and title, so rules are matched once per distinct such combination
    (hundreds on a month of a thousand people, whose per-user-per-day sums run to half a million
    rows) and joined back.
    """
    suffix = uuid.uuid4().hex[:8]
    con.register(f"rules_{suffix}", rules_table(rules))
    members = pa.table(
        {"user_id": list((teams or {}).keys()), "team_id": list((teams or {}).values())},
        schema=pa.schema([("user_id", pa.string()), ("team_id", pa.string())]),
    )
    con.register(f"members_{suffix}", members)
    clause, params = where(company_id, start, end, user_ids)
    day = "u.day, " if per_day else ""
    return con.sql(
        f"""
        WITH u AS ({_usage_sql(rules, f"members_{suffix}", clause, per_day)}),
        matched AS (
            SELECT u.team_id, u.app, u.domain, u.title,
                   arg_min(r.category, r.priority) AS category
            FROM (SELECT DISTINCT team_id, app, domain, title FROM u) u
            JOIN rules_{suffix} r ON {_MATCH}
            GROUP BY ALL)
        SELECT u.user_id, {day}coalesce(m.category, ?) AS category,
               sum(u.active_seconds) AS active_seconds
        FROM u LEFT JOIN matched m
          ON m.team_id IS NOT DISTINCT FROM u.team_id AND m.app IS NOT DISTINCT FROM u.app
         AND m.domain IS NOT DISTINCT FROM u.domain AND m.title IS NOT DISTINCT FROM u.title
        GROUP BY ALL ORDER BY {day}u.user_id, category""",  # noqa: S608 (constants and bound parameters only)
        params=[*params, str(rules.default)],
    )
