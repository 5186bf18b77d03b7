"""Shared test configuration.

Under CI (the ``CI`` environment variable set), hypothesis draws the same
examples on every run, so a red build always means a real change, never the
luck of the draw. Locally it keeps exploring new examples.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
