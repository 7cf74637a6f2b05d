"""How long and how much memory `llz validate` takes to refuse hostile stack files (target: a few seconds and a few
hundred MB each; the issue's corpus once took 5 GB and minutes). Prints one line per case; asserts nothing.

    .venv/bin/python benchmarks/hostile_inputs.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


def generated(tmp: Path) -> dict[str, Path]:
    """The large cases, written here rather than committed."""
    cases = {
        "200,000 values": "config:\n  aws:region: us-east-1\n  junk: [" + ",".join(["1"] * 200_000) + "]\n",
        "5,000 nesting levels": "config:\n  llmops:zone:\n    tags: " + "[" * 5000 + "1" + "]" * 5000 + "\n",
        "45,000 tags": "config:\n  aws:region: us-east-1\n  llmops:zone:\n    tags: {"
                       + ", ".join(f"k{i}: v" for i in range(45_000)) + "}\n",
    }
    out = {}
    for name, text in cases.items():
        path = tmp / f"Pulumi.{name.split()[0].replace(',', '')}.yaml"
        path.write_text(text)
        out[name] = path
    return out


def measure(path: Path) -> tuple[int, float, float]:
    """(exit status, seconds, peak RSS in MB) of `llz validate PATH` in a fresh process."""
    code = ("import resource, sys; from llz.cli import app\n"
            "try:\n    app([sys.argv[1], sys.argv[2]])\nexcept SystemExit as e:\n"
            "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); raise\n")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, "validate", str(path)], capture_output=True, text=True, check=False,
                          cwd=ROOT)
    seconds = time.perf_counter() - started
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    return proc.returncode, seconds, peak_kb / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cases = {p.stem.removeprefix("Pulumi."): p for p in sorted(HOSTILE.glob("*.yaml"))}
        cases.update(generated(Path(tmp)))
        print(f"{'case':32} {'exit':>4} {'seconds':>8} {'peak MB':>8}")
        for name, path in cases.items():
            code, seconds, mb = measure(path)
            print(f"{name:32} {code:>4} {seconds:>8.2f} {mb:>8.0f}")



if __name__ == "__main__":
    main()
