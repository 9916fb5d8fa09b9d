"""gongkao-toolkit: schema and data versioning for the tiku and dudao systems."""

__version__ = "0.1.0"
