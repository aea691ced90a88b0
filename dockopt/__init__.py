"""dockopt: rewrite Dockerfiles so that images are smaller, rebuild faster and run safer."""

__version__ = "0.1.0"
