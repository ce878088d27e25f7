"""The small kernel: component contract, event bus, task supervision, typed errors."""
