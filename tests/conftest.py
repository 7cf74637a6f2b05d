"""Session-wide test settings.

Support calendars are judged on a fixed date, so that the suite gives the same answers next year: the
reference stacks must be creatable on this date, and tests about other dates pass ``on=`` or set
``LLZ_TODAY`` themselves. Set here, before any test imports the code, and inherited by CLI subprocesses.

Plans are cached (llz/cache.py): the suite uses a cache of its own, a temporary directory per session (per xdist
worker) removed at exit, never the user's ~/.cache, unless ``LLZ_CACHE_DIR`` is set already.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

TEST_TODAY = "2026-12-02"
os.environ["LLZ_TODAY"] = TEST_TODAY

if "LLZ_CACHE_DIR" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="llz-test-plans-")
    os.environ["LLZ_CACHE_DIR"] = _cache
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)
