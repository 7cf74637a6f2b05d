"""The plan cache: an offline plan is a pure function of the code, the stack file and the installed SDKs.

``offline.plan`` validates the stack on every call (validation reads today's date) and only then looks here; a
hit skips the program run under the mock runtime, which is most of ``llz check``'s time. The key is a digest of

- the code version: every .py and data file under components/, llz/engine.py, llz/mocks/, llz/offline.py, this
  module and pyproject.toml (hashed once per process);
- the stack's name, its file's bytes and the config values the program is given;
- the installed Pulumi SDK versions (pulumi, pulumi-aws, pulumi-gcp, pulumi-azure-native, pulumi-kubernetes)
  and the Python version;
- the date support calendars were judged on (``LLZ_TODAY`` or today): the plan does not read it, but a plan is
  only ever made for a config valid on that date.

One JSON file per key in ``$LLZ_CACHE_DIR``, else ``$XDG_CACHE_HOME/llmops-landing-zone/plans``, else
``~/.cache/llmops-landing-zone/plans``: outside the repository and safe to delete at any time. Files are written
to a temporary name and renamed into place, so a parallel worker never reads half a file; a file that cannot be
read or parsed is a miss and is rewritten. Entries hold the unmasked inputs and the secret paths, so a cached plan
is the same object in memory as a fresh one (``Plan.to_json`` masks them either way); the files are private to
the user (0600). ``LLZ_NO_CACHE=1`` or ``--no-cache`` bypasses the cache (no read, no write).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from llmops_landing_zone.components.plan import Plan, PlannedResource

FORMAT = 1
NO_CACHE_ENV = "LLZ_NO_CACHE"
DIR_ENV = "LLZ_CACHE_DIR"
SDKS = ("pulumi", "pulumi-aws", "pulumi-gcp", "pulumi-azure-native", "pulumi-kubernetes")
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent
# What shapes a plan: directories are walked for every file (code and data), except bytecode.
CODE_PATHS = ("components", "llz/engine.py", "llz/mocks", "llz/offline.py", "llz/cache.py", "pyproject.toml")

# This process's hits, misses and writes (tests and benchmarks read them; workers keep their own).
stats: Counter[str] = Counter()


def enabled(cache: bool | None = None) -> bool:
    """``cache`` when given (``--no-cache`` passes False), else on unless ``$LLZ_NO_CACHE`` is set (not 0/false/no)."""
    if cache is not None:
        return cache
    return os.environ.get(NO_CACHE_ENV, "").strip().lower() in ("", "0", "false", "no")


def cache_dir() -> Path:
    if env := os.environ.get(DIR_ENV):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "llmops-landing-zone" / "plans"


def _code_files(root: Path) -> list[Path]:
    files = []
    for entry in CODE_PATHS:
        path = root / entry
        if path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                      and p.suffix not in (".pyc", ".pyo")]
        elif path.is_file():
            files.append(path)
    return sorted(files)


@functools.cache
def code_digest() -> str:
    """A hash of every file that shapes a plan (names and bytes); once per process, a few milliseconds."""
    h = hashlib.sha256()
    for path in _code_files(_PACKAGE_ROOT):
        h.update(path.relative_to(_PACKAGE_ROOT).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


@functools.cache
def sdk_versions() -> tuple[tuple[str, str], ...]:
    out = []
    for name in SDKS:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, ""))
    return tuple(out)


def key(stack: str, stack_bytes: bytes, config: Mapping[str, Any], on: str) -> str:
    """The cache key of one plan (see the module docstring)."""
    material = {
        "format": FORMAT,
        "code": code_digest(),
        "sdks": sdk_versions(),
        "python": sys.version,
        "date": on,
        "stack": stack,
        "file": hashlib.sha256(stack_bytes).hexdigest(),
        "config": config,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def path_for(digest: str) -> Path:
    return cache_dir() / f"{digest}.json"


def load(digest: str) -> Plan | None:
    """The cached plan of ``digest``, or None: absent, unreadable, corrupt or of another format (a miss)."""
    try:
        data = json.loads(path_for(digest).read_bytes())
        if data.get("format") != FORMAT or data.get("key") != digest:
            raise ValueError("another format or key")
        raw = data["plan"]
        plan = Plan(stack=raw["stack"], cloud=raw["cloud"], environment=raw["environment"],
                    resources=[PlannedResource(**r) for r in raw["resources"]],
                    region=raw.get("region", ""))
    except FileNotFoundError:
        stats["misses"] += 1
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        stats["corrupt"] += 1
        stats["misses"] += 1
        return None
    stats["hits"] += 1
    return plan


def store(digest: str, plan: Plan) -> None:
    """Write the plan under ``digest`` atomically; a cache that cannot be written is skipped, never an error."""
    data = {
        "format": FORMAT,
        "key": digest,
        # registration order and unmasked inputs, with their secret paths: the plan as it is in memory
        "plan": {"stack": plan.stack, "cloud": plan.cloud, "environment": plan.environment,
                 "region": plan.region, "resources": [asdict(r) for r in plan.resources]},
    }
    directory = cache_dir()
    tmp = None
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{digest[:16]}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"))
        os.replace(tmp, path_for(digest))
        tmp = None
        stats["writes"] += 1
    except (OSError, TypeError, ValueError):
        stats["write_errors"] += 1
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def clear() -> int:
    """Delete every cached plan (and stray temporary files); the number of files removed."""
    removed = 0
    directory = cache_dir()
    if not directory.is_dir():
        return 0
    for path in [*directory.glob("*.json"), *directory.glob(".*.tmp")]:
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed
