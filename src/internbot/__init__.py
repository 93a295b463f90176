"""internbot: an extractive FAQ chat assistant for career guides."""

__version__ = "0.1.0"
