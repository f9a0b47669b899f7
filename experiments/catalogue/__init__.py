"""The scenario library for people: ``youwei scenarios``, ``youwei validate``."""
