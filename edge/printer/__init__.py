"""The printer: G-code tools, serial transport, the link protocol, the job runner, the simulator."""
