"""One error type for a bad config: every issue at once, each naming its key path."""

from __future__ import annotations

import re

NAMESPACE = "llmops:zone"
MAX_LINES = 100  # issues printed; the rest are counted
# pydantic puts union member tags and validator names into error locations; they are not config keys. Union
# members are str and the *Config models: a user's own capitalized key (a tag "Owner") stays in the path.
_NOT_A_KEY = re.compile(r"^(str|int|float|bool|[A-Z]\w*Config|function-\w+\[.*\]|[a-z-]+\[.*\]|\[key\])$")


class ConfigError(Exception):
    """Raised with all issues of a stack config; ``lines`` are ready to print."""

    def __init__(self, issues: list[tuple[str, str]], source: str = "") -> None:
        self.issues = issues
        self.source = source
        super().__init__("\n".join(self.lines))

    @property
    def lines(self) -> list[str]:
        """One line per issue; a hostile file with thousands of issues shows the first ``MAX_LINES``."""
        lines = [f"{key_path(path)}: {message}" for path, message in self.issues[:MAX_LINES]]
        if len(self.issues) > MAX_LINES:
            lines.append(f"{key_path(self.source and '@' + self.source)}: ... and {len(self.issues) - MAX_LINES} "
                         "more issues")
        return lines


def key_path(path: str) -> str:
    """``gpuPools.a.minNodes`` -> ``llmops:zone.gpuPools.a.minNodes``; ``@aws:region`` -> ``aws:region``."""
    if path.startswith("@") and len(path) > 1:  # a provider key or a file, never an empty path
        return path[1:]
    return f"{NAMESPACE}.{path}" if path else NAMESPACE


def loc_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if not (isinstance(p, str) and _NOT_A_KEY.match(p)))
