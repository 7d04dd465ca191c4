"""``make bench``: comparing two versions of a contract (`econtract.compare`).

A contract of 60 clauses of about 300 Chinese characters each, amended as amendments are:
a few clauses reworded (numbers, a sentence), one added, one removed. Compared clause by
clause ``RUNS`` times: p50/p95 of a whole comparison, what the *Changes* tab and an
amendment's PDF cost. Then the worst case the bound allows: two unrelated clauses just
under ``MAX_PAIRS`` token pairs, and two far past it (reported whole, not compared).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from econtract.compare import MAX_PAIRS, ClauseText, compare_clauses, compare_text

RUNS = 30
HAN = (
    "甲乙方应于本合同签订后日内支付人民币元整货物交付验收违约金按每迟延一日万分之五计算双方协商一致"
)


def _clause(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(HAN) for _ in range(length)) + "。"


def _versions(rng: random.Random) -> tuple[list[ClauseText], list[ClauseText]]:
    old = [ClauseText(str(i), f"第{i}条", _clause(rng, 300)) for i in range(60)]
    new = list(old)
    for index in rng.sample(range(60), 5):
        text = old[index].text
        cut = rng.randrange(len(text) - 20)
        new[index] = ClauseText(old[index].key, old[index].title,
                                text[:cut] + "人民币陆万伍仟元" + text[cut + 8:])  # fmt: skip
    del new[30]
    new.insert(10, ClauseText("new", "保险", _clause(rng, 200)))
    return old, new


def _timed(function, *args) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def main() -> int:
    rng = random.Random(20261204)
    old, new = _versions(rng)
    compare_clauses(old, new)
    samples = sorted(_timed(compare_clauses, old, new) for _ in range(RUNS))
    p50, p95 = samples[len(samples) // 2], samples[int(len(samples) * 0.95)]
    print(f"contract comparison, 60 clauses × 300 characters, 5 reworded, × {RUNS}")
    print(f"  per contract  p50 {p50 * 1e3:7.1f} ms  p95 {p95 * 1e3:7.1f} ms")
    side = int(MAX_PAIRS**0.5) - 1
    # Low entropy is the matcher's worst: long runs of one character, shifted.
    worst = _timed(compare_text, "甲" * side, "乙" * (side // 2) + "甲" * (side - side // 2))
    past = _timed(compare_text, _clause(rng, 20_000), _clause(rng, 20_000))
    print(f"  worst case under the bound ({side} × {side} characters of one kind)  "
          f"{worst * 1e3:7.1f} ms")  # fmt: skip
    print(f"  past the bound (20,000 × 20,000 characters, reported whole)  {past * 1e3:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
