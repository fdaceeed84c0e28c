"""The company's productivity rules as the API keeps them, and as the lake's metrics take them.

The API stores `{"default", "rules": [{match: app|domain|title, pattern, category}],
"team_overrides": {team_id: [rules]}}`; `lakehouse.categories` defines how rules match.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from lakehouse.categories import ProductivityRules, Rule

Categories = dict[str, Any]  # the API rules document's `productivity` part
Teams = tuple[tuple[str, str], ...]  # (user_id, team_id): the team whose overrides apply


def categories_from_rules(document: dict[str, Any]) -> Categories:
    """The productivity rules (default, rules, team overrides) of an API rules document."""
    return dict(document.get("productivity") or {"default": "neutral", "rules": []})


def _lake_rule(rule: dict[str, Any], team_id: str | None = None) -> Rule:
    condition = {"app": "app", "domain": "domain", "title": "title_pattern"}[str(rule["match"])]
    pattern = str(rule["pattern"])
    value = re.escape(pattern) if condition == "title_pattern" else pattern
    return Rule(category=rule["category"], team_id=team_id, **{condition: value})


def lake_rules(categories: Categories) -> ProductivityRules:
    """The API's productivity rules in the lake's form (team overrides become team rules)."""
    rules = [
        _lake_rule(rule, team_id)
        for team_id, overrides in dict(categories.get("team_overrides") or {}).items()
        for rule in overrides
    ]
    rules += [_lake_rule(rule) for rule in categories.get("rules", [])]
    return ProductivityRules(rules=rules, default=categories.get("default", "neutral"))


def label(frame: pl.DataFrame, column: str, categories: Categories, kind: str) -> pl.DataFrame:
    """Add `category`: what the company's rules say of each app or domain name itself.

    That is the rule naming it (the first one), else the default: the category an admin sees
    and edits. Time per category, where titles and team overrides count too, comes from the
    lake (`lakehouse.categories.category_usage`).
    """
    named = {
        str(r["pattern"]).lower(): str(r["category"])
        for r in reversed(categories.get("rules", []))  # so the first rule for a name wins
        if r.get("match") == kind
    }
    default = str(categories.get("default", "neutral"))
    return frame.with_columns(
        pl.col(column).str.to_lowercase().replace_strict(named, default=default).alias("category")
    )
