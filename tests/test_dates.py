"""One date grammar for every command: YYYY-MM-DD, YYYY-MM as a whole month; else exit 2."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from digest.cli import main, parse_day, parse_month
from tests.test_query import store_config  # noqa: F401  (fixture)


def test_days_and_months():
    assert parse_day("2011-11-05") == "2011-11-05"
    assert parse_day("2011-11") == "2011-11-01"
    assert parse_day("2011-11", end=True) == "2011-11-30"
    assert parse_day("2012-02", end=True) == "2012-02-29"
    assert parse_month("2011-12") == (2011, 12)


@pytest.mark.parametrize("text", ["2011/11/01", "yesterday", "2011-13", "2011-02-30", "11-11-01"])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError, match=text):
        parse_day(text)


@pytest.mark.parametrize("text", ["0000-01", "9999-12", "2011-00", "2011-1", "2011-11-01"])
def test_months_out_of_range_are_refused(text):
    with pytest.raises(ValueError, match=text):
        parse_month(text)


@pytest.mark.parametrize(
    "args",
    [
        ["query", "--since", "2011/11/01"],
        ["query", "--since", "yesterday"],
        ["query", "--until", "2011-11-31"],
        ["releases", "--since", "2011/11/01"],
        ["messages", "--until", "tomorrow"],
        ["draft", "--month", "0000-01"],
        ["draft", "--month", "9999-12"],
        ["monthly", "--no-fetch", "--month", "2011-13"],
        ["translate", "--month", "2011"],
    ],
)
def test_a_bad_date_is_a_usage_error_in_every_command(tmp_path, args):
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "none.yaml"), *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: Invalid value for")


def test_until_a_month_includes_the_whole_month(store_config):  # noqa: F811
    def dates(*args: str) -> list[str]:
        out = CliRunner().invoke(
            main, ["--config", str(store_config), "query", "--format", "json", *args]
        )
        assert out.exit_code == 0, out.output
        return [row["date"] for row in json.loads(out.stdout)]

    everything = dates()
    assert everything and all(d.startswith("2011-03") for d in everything)
    assert dates("--until", "2011-03") == everything
    assert dates("--since", "2011-03", "--until", "2011-03") == everything
    assert dates("--until", "2011-03-13") == [d for d in everything if d <= "2011-03-13"]
