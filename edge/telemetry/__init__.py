"""Fleet telemetry over MQTT: the connection, the topics and their payloads, the store-and-forward outbox."""
