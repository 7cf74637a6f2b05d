"""Session-wide test settings.

Support calendars are judged on a fixed date, so that the suite gives the same answers next year: the
reference stacks must be creatable on this date, and tests about other dates pass ``on=`` or set
``LLZ_TODAY`` themselves. Set here, before any test imports the code, and inherited by CLI subprocesses.
"""

from __future__ import annotations

import os

TEST_TODAY = "2026-12-02"
os.environ["LLZ_TODAY"] = TEST_TODAY
