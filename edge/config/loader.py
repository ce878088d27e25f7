"""Load configuration: embedded defaults, a user YAML file, the applied OTA overlay, then PRINTEDGE_* variables."""

from __future__ import annotations

import dataclasses
import logging
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from edge.config.broker_url import parse_broker_url
from edge.config.lkg import OverlayFiles
from edge.config.schema import AppConfig
from edge.core.errors import ConfigError

ENV_PREFIX = "PRINTEDGE_"
NOT_CONFIG = ("PRINTEDGE_CONFIG", "PRINTEDGE_TEST_DIE_AT", "PRINTEDGE_API_KEY")
T = TypeVar("T")
log = logging.getLogger("printedge.config")


@dataclasses.dataclass(frozen=True)
class ConfigLayers:
    """The layers under and over the OTA overlay: the user file below it, the environment above it."""

    file: dict[str, Any]
    env: dict[str, Any]

    def data_dir(self) -> Path:
        """The data directory these layers name (where the overlay lives)."""
        merged = deep_merge(deep_merge({}, self.file), self.env)
        device = merged.get("device")
        raw = device.get("data_dir") if isinstance(device, dict) else None
        return Path(str(raw) if raw else AppConfig().device.data_dir).expanduser()

    def compose(self, overlay: Mapping[str, Any]) -> AppConfig:
        """Defaults, then the file, then the overlay, then the environment: validated."""
        return build(AppConfig, deep_merge(deep_merge(deep_merge({}, self.file), overlay), self.env), "")

    def boot(self, *, starting: bool = False) -> AppConfig:
        """The config a start uses: the data dir's overlay, or last-known-good (starting: `printedge run` counts)."""
        files = OverlayFiles(self.data_dir())
        try:
            return self.compose(files.claim_start() if starting else files.boot_overlay())
        except ConfigError as exc:
            log.error("the applied OTA config is not valid (%s); starting with last-known-good", exc.message)
        try:
            return self.compose(files.read_overlay(files.lkg))
        except ConfigError as exc:
            log.error("the last-known-good OTA config is not valid either (%s); starting without it", exc.message)
        return self.compose({})


def load_layers(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> ConfigLayers:
    """Read the user file and the PRINTEDGE_* variables, without building anything yet."""
    data: dict[str, Any] = {}
    if path is not None:
        data = read_yaml(Path(path))
    env = os.environ if env is None else env
    env_data: dict[str, Any] = {}
    for name, raw in sorted(env.items()):
        if name.startswith(ENV_PREFIX) and name not in NOT_CONFIG:
            _apply_env(env_data, name, raw)
    return ConfigLayers(data, env_data)


def load_config(
    path: str | Path | None = None, env: Mapping[str, str] | None = None, *, overlay: bool = True
) -> AppConfig:
    """Build the validated configuration from an optional YAML file, the applied OTA overlay and the environment."""
    layers = load_layers(path, env)
    return layers.boot() if overlay else layers.compose({})


def deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """base with top laid over it, section by section (top's values win)."""
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            base[key] = deep_merge(dict(base[key]), value)
        elif isinstance(value, Mapping):
            base[key] = deep_merge({}, value)
        else:
            base[key] = value
    return base


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML mapping, with errors that name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), str(path), "file does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), str(path), f"cannot be read: {exc}") from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), str(path), f"is not valid YAML: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(str(path), loaded, "the top level must be a mapping of sections")
    return loaded


def _apply_env(data: dict[str, Any], name: str, raw: str) -> None:
    keys = [k.lower() for k in name[len(ENV_PREFIX) :].split("__")]
    if not all(keys):
        raise ConfigError(name, raw, "environment override must look like PRINTEDGE_SECTION__KEY")
    try:
        value = yaml.safe_load(raw) if raw != "" else ""
    except yaml.YAMLError:
        value = raw
    node = data
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigError(".".join(keys), raw, f"{name} overrides a value that is not a section")
        node = child
    node[keys[-1]] = value


def build(cls: type[T], data: object, path: str) -> T:
    """Construct dataclass cls from a mapping, checking keys, types and bounds."""
    if not isinstance(data, dict):
        raise ConfigError(path or "(top level)", data, "must be a mapping")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(where, value, f"unknown key (known keys here: {known})")
        kwargs[key] = _convert(hints[key], value, where, fields[key].metadata)
    return cls(**kwargs)


def _convert(hint: Any, value: object, where: str, meta: Mapping[str, Any]) -> Any:
    if dataclasses.is_dataclass(hint):
        return build(hint, value, where)  # type: ignore[arg-type]
    origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(where, value, "must be a list")
        return [_convert(item, v, f"{where}[{i}]", {}) for i, v in enumerate(value)]
    if origin in (types.UnionType, typing.Union):
        raise ConfigError(where, value, "unsupported type in schema")
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(where, value, "must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(where, value, "must be a whole number")
        _check_bounds(value, where, meta)
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(where, value, "must be a number")
        _check_bounds(value, where, meta)
        return float(value)
    if hint is str:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ConfigError(where, value, "must be text")
        text = str(value)
        choices = meta.get("choices") or ()
        if choices and text not in choices:
            raise ConfigError(where, value, f"must be one of {', '.join(choices)}")
        _check_special(text, where)
        return text
    raise ConfigError(where, value, f"unsupported type {hint!r} in schema")


def _check_bounds(value: float, where: str, meta: Mapping[str, Any]) -> None:
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and value < lo:
        raise ConfigError(where, value, f"must be at least {lo}")
    if hi is not None and value > hi:
        raise ConfigError(where, value, f"must be at most {hi}")


def _check_special(text: str, where: str) -> None:
    if where == "printer.window" and text != "auto" and (not text.isdigit() or not 1 <= int(text) <= 256):
        raise ConfigError(where, text, "must be 'auto' or a number of lines from 1 to 256")
    if where == "mqtt.url" and text:
        parse_broker_url(text, where)


def to_dict(config: object) -> dict[str, Any]:
    """The configuration as plain data (for status and `printedge config show`)."""
    return dataclasses.asdict(config)  # type: ignore[call-overload, no-any-return]
