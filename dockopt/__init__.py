"""dockopt: rewrite Dockerfiles so that images are smaller, rebuild faster and run safer."""

__version__ = "0.1.0"


def version_line() -> str:
    """What ``dockopt --version`` prints (``__main__`` answers it alone, ``cli`` among other options)."""
    return f"dockopt {__version__}"
