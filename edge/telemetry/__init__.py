"""Fleet telemetry over MQTT: the connection, topics and payloads, the outbox, Home Assistant discovery and fleet commands."""
