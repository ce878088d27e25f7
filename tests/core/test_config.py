"""Configuration: defaults, overrides, and a clear error for every kind of bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config.loader import build, load_config, read_yaml
from edge.config.schema import AppConfig
from edge.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_default_yaml_matches_the_schema_defaults() -> None:
    assert build(AppConfig, read_yaml(ROOT / "config" / "default.yaml"), "") == AppConfig()


def test_user_file_overrides_defaults(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("printer:\n  baud: 115200\n  limits:\n    bed_max_c: 100\n")
    config = load_config(f, env={})
    assert config.printer.baud == 115200
    assert config.printer.limits.bed_max_c == 100.0
    assert config.printer.limits.hotend_max_c == 285.0


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("api:\n  port: 9000\n")
    config = load_config(f, env={"PRINTEDGE_API__PORT": "9001", "PRINTEDGE_JOBS__AUTO_CONTINUE": "true"})
    assert config.api.port == 9001
    assert config.jobs.auto_continue is True


def test_typo_in_a_key_names_the_path_and_the_known_keys(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("printer:\n  buad: 115200\n")
    with pytest.raises(ConfigError) as err:
        load_config(f, env={})
    assert err.value.path == "printer.buad"
    assert "unknown key" in err.value.message and "baud" in err.value.message


def test_out_of_range_value_names_the_bound_and_the_value(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("printer:\n  limits:\n    hotend_max_c: 900\n")
    with pytest.raises(ConfigError) as err:
        load_config(f, env={})
    assert err.value.path == "printer.limits.hotend_max_c"
    assert "at most 500" in err.value.message and "900" in err.value.message


def test_wrong_type_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"printer.baud: must be a whole number \(got 'fast'\)"):
        load_config(env={"PRINTEDGE_PRINTER__BAUD": "fast"})


def test_bool_is_not_a_number() -> None:
    with pytest.raises(ConfigError, match="must be a whole number"):
        load_config(env={"PRINTEDGE_API__PORT": "true"})


def test_window_must_be_auto_or_a_line_count() -> None:
    assert load_config(env={"PRINTEDGE_PRINTER__WINDOW": "8"}).printer.window == "8"
    with pytest.raises(ConfigError, match=r"printer\.window"):
        load_config(env={"PRINTEDGE_PRINTER__WINDOW": "wide"})


def test_unknown_environment_section_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"printr"):
        load_config(env={"PRINTEDGE_PRINTR__BAUD": "1"})


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("printer: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(f, env={})


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml", env={})


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    f = tmp_path / "list.yaml"
    f.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(f, env={})


def test_choices_are_enforced() -> None:
    with pytest.raises(ConfigError, match=r"one of DEBUG"):
        load_config(env={"PRINTEDGE_LOG_LEVEL": "LOUD"})
