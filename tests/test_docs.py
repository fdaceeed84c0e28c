"""The documentation is checked like code: an undocumented setting or command fails here.

- every field of every pydantic-settings class in the packages has its environment variable and
  config-file key in the README's Settings table, and so does every `TEAMTRECK_…` variable the
  code reads by name;
- every `teamtreck` command's `--help` shows an example;
- the README's two set-up commands are the ones `.ci/run` and the end-to-end test run.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from pydantic_settings import BaseSettings

from teamtreck.cli import main
from tests.e2e_newcomer import readme_command, readme_commands

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "collector", "dashboards", "lakehouse", "teamtreck")
README = (ROOT / "README.md").read_text()


def settings_section() -> str:
    match = re.search(r"^## Settings\n(.*?)(?=^## )", README, flags=re.DOTALL | re.MULTILINE)
    assert match, "the README has no '## Settings' section"
    return match.group(1)


def table_rows(section: str) -> dict[str, list[str]]:
    """First cell (without backticks) -> the other cells, for every table row of a section."""
    rows = {}
    for line in section.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3 and not set(cells[0]) <= {"-"}:
            rows[cells[0]] = cells[1:]
    return rows


def settings_classes() -> Iterator[type[BaseSettings]]:
    """Every BaseSettings subclass defined in our packages (modules that mention it are
    imported: importing every module would need a display for the tray)."""
    for path in sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py")):
        if "BaseSettings" in path.read_text():
            module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, BaseSettings)
                    and value.__module__ == module.__name__
                ):
                    yield value


def documented_settings() -> list[tuple[str, str]]:
    """(environment variable, config-file key) of every settings field."""
    found = []
    for cls in set(settings_classes()):
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name in cls.model_fields:
            variable = (prefix + name).upper()
            found.append((variable, variable.removeprefix("TEAMTRECK_").lower()))
    return sorted(found)


def test_the_settings_classes_are_found() -> None:
    names = {cls.__name__ for cls in settings_classes()}
    assert {"Settings", "DashboardSettings", "CollectorSettings"} <= names


@pytest.mark.parametrize(("variable", "config_key"), documented_settings())
def test_every_setting_is_in_the_readme_table(variable: str, config_key: str) -> None:
    rows = table_rows(settings_section())
    assert variable in rows, f"{variable} is missing from the README's Settings table"
    assert rows[variable][0] == config_key, f"{variable}: the config key should be {config_key}"
    assert all(rows[variable][1:]), f"{variable}: give its default and what it means"


def test_every_variable_the_code_reads_is_documented() -> None:
    rows = table_rows(settings_section())
    sources = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    named = {
        name
        for path in sources
        for name in re.findall(r"\bTEAMTRECK_[A-Z0-9_]*[A-Z0-9]\b", path.read_text())
    }
    assert named, "no TEAMTRECK_ variables found in the sources"
    assert sorted(named - set(rows)) == []


def test_every_up_option_is_documented() -> None:
    from teamtreck.up import up

    rows = table_rows(settings_section())
    for parameter in up.params:
        if isinstance(parameter, click.Option) and parameter.name != "help":
            assert any(opt in row for row in rows for opt in parameter.opts), parameter.opts


def walk(command: click.Command, ctx: click.Context) -> Iterator[tuple[str, str]]:
    """(command path, its --help text) for a command and everything below it."""
    yield ctx.command_path, command.get_help(ctx)
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, f"{ctx.command_path} lists {name} but cannot load it"
            yield from walk(sub, click.Context(sub, parent=ctx, info_name=name))


def help_texts() -> list[object]:
    pairs = walk(main, click.Context(main, info_name="teamtreck"))
    return [pytest.param(path, text, id=path) for path, text in pairs]


def test_the_command_tree_is_walked_through_the_lazy_group() -> None:
    paths = {path for path, _ in walk(main, click.Context(main, info_name="teamtreck"))}
    assert {"teamtreck up", "teamtreck lake compact", "teamtreck collector doctor"} <= paths


@pytest.mark.parametrize(("path", "text"), help_texts())
def test_every_command_has_help_with_an_example(path: str, text: str) -> None:
    description = text.split("Options:")[0]
    assert re.search(r"example", description, flags=re.IGNORECASE), f"{path}: no example"
    assert "teamtreck " in description.split("xample", 1)[-1], f"{path}: example is no command"


def test_the_readme_has_the_two_setup_commands() -> None:
    setup = readme_commands()[:2]
    assert setup[0].endswith("teamtreck up --demo")
    assert setup[1].endswith("pytest")
    assert readme_command("teamtreck up") == setup[0]


def test_ci_runs_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().replace("pip install -q ", "pip install ")
    assert readme_command("pytest") in ci.splitlines()  # pip's -q aside, the same line


def test_the_readme_has_every_section() -> None:
    sections = set(re.findall(r"^## (.+)$", README, flags=re.MULTILINE))
    wanted = {
        "For employees",
        "For managers",
        "For analysts",
        "For operators",
        "Security and privacy",
        "Settings",
        "Troubleshooting",
    }
    assert wanted <= sections


def test_links_in_the_readme_point_at_files() -> None:
    for target in re.findall(r"\]\(((?:docs|notebooks)/[^)#]+)\)", README):
        assert (ROOT / target).exists(), target
