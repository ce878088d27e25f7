"""Over-the-air configuration: one pipeline for MQTT, the API and (later) a cloud pull."""
