"""A tiny application for the example Dockerfile: prints where it runs and exits."""

import os
import platform

print(f"hello from {platform.python_version()} as uid {os.getuid()}")
