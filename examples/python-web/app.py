"""The example application: prints the version of its one dependency."""

import six

print(f"hello from python-web, six {six.__version__}")
