"""PrintEdge: the print appliance process."""

__version__ = "0.1.0"
