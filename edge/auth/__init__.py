"""Authentication: the owner account, panel sessions, API keys, app pairing and failure rate limits."""
