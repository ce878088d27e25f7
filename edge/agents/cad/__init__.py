"""The CAD agent: a design spec or an uploaded model becomes a checked mesh lying on the bed (worker process only)."""
