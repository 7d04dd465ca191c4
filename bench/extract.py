"""``make bench``: reading obligations from clauses (`econtract.extract`), per clause.

Every clause of the test corpus (tests/extract/corpus.py: payment, delivery, acceptance,
lease and labour clauses in Chinese and English, and clauses that state none), read
``RUNS`` times each after one warm-up pass. Prints p50/p95 per clause and clauses per
second; what a fulfilment plan of a contract of a hundred clauses costs to extract.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from econtract.extract import extract_obligations
from tests.extract.corpus import CORPUS

RUNS = 50


def main() -> int:
    clauses = [clause for clause, _expected in CORPUS]
    for clause in clauses:
        extract_obligations(clause)
    samples = []
    for _ in range(RUNS):
        for clause in clauses:
            started = time.perf_counter()
            extract_obligations(clause)
            samples.append(time.perf_counter() - started)
    samples.sort()
    p50, p95 = samples[len(samples) // 2], samples[int(len(samples) * 0.95)]
    print(f"obligation extraction, {len(clauses)} clauses × {RUNS}")
    print(f"  per clause  p50 {p50 * 1e6:8.0f} µs  p95 {p95 * 1e6:8.0f} µs  "
          f"({len(samples) / sum(samples):,.0f} clauses/s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
