"""The agents that turn text or a model into G-code: research, CAD and slicer."""
