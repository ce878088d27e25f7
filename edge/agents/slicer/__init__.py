"""The slicer agent: PrusaSlicer with PrintEdge's printer, filament and quality profiles, run in the worker."""
