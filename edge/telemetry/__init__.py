"""MQTT telemetry: the broker link, topics, Home Assistant discovery and fleet commands."""
