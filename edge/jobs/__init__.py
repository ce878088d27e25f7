"""Print jobs: the persisted state machine and the FIFO queue."""
