"""The one control surface: every command to the printer and the queue, its caller, policy and audit."""
