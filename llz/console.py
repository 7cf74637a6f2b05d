"""One place that decides how wide printed tables are.

A terminal gets its own width. Piped or redirected output (CI logs, ``| less``, ``> file``) would get rich's
default of 80 columns and cut identifiers such as shape names and type tokens; it gets ``$COLUMNS`` or
``PIPE_WIDTH`` instead, and tables fold long cells rather than truncate them.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console

PIPE_WIDTH = 200


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """``llz ... | head`` closing the pipe early is not a failure: stop quietly with exit 0 (rich: 1)."""
        self.quiet = True
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(0)


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return _Console(stderr=stderr)
    columns = os.environ.get("COLUMNS", "")
    return _Console(stderr=stderr, width=int(columns) if columns.isdigit() and int(columns) > 0 else PIPE_WIDTH)
