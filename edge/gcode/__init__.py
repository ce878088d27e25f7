"""G-code as text: parsing, checksums, command classes, file analysis, the machine model, the safety filter."""
