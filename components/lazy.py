"""Lazy package exports (PEP 562), shared by the packages that export components: ``components.k8s`` and each
cloud's. Config validation imports small modules of those packages (``components.aws.checks``,
``components.k8s.scheduling``) and must not pull in the provider SDKs their components need."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def exports(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``names[name]`` (a module path) on first access."""
    def __getattr__(name: str) -> Any:
        if name in names:
            return getattr(import_module(names[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return __getattr__
