"""The local HTTP API and live WebSocket of the appliance."""
