"""llz: the landing zone's CLI and tooling (offline engine, reports, cost, preflight)."""
