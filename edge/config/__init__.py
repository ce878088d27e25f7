"""Configuration: typed schema with bounds, YAML + environment loading, validation."""

from edge.config.loader import load_config
from edge.config.schema import AppConfig

__all__ = ["AppConfig", "load_config"]
