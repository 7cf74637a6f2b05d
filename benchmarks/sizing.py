"""Sizing benchmark: every catalog model x precision x context (8k, 32k, 128k) x cloud x service, sized.

Run: ``.venv/bin/python benchmarks/sizing.py``. Prints the number of sizings, how many found a shape, and the
wall time (target: under 1 s in total). Contexts beyond a model's maximum are skipped, as config validation
rejects them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


from llmops_landing_zone.components import catalog, sizing

CONTEXTS = (8192, 32768, 131072)
CONCURRENCY = 16


def run() -> tuple[int, int, int, float]:
    catalog.clear_caches()
    start = time.perf_counter()
    sized = fitted = skipped = 0
    for arch in catalog.model_architectures().values():
        for precision in sizing.WEIGHT_BYTES:
            for context in CONTEXTS:
                if context > arch.max_context:
                    skipped += 1
                    continue
                w = sizing.Workload(arch, precision, context, CONCURRENCY)
                for cloud in catalog.CLOUDS:
                    for service in catalog.services(cloud):
                        sized += 1
                        fitted += sizing.cheapest(w, cloud, service) is not None
    return sized, fitted, skipped, time.perf_counter() - start


if __name__ == "__main__":
    sized, fitted, skipped, seconds = run()
    print(f"sized {sized} model x precision x context x cloud x service combinations "
          f"({fitted} with a feasible shape, {skipped} model x precision x context skipped beyond max context) "
          f"at concurrency {CONCURRENCY} in {seconds:.3f} s (cold catalog cache; target < 1 s)")
    sys.exit(0 if seconds < 1.0 else 1)
