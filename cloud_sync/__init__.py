"""Cloud offload worker and its client (arrives with the agents)."""
