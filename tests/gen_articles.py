#!/usr/bin/env python3
"""Writes N synthetic news articles (English and Arabic) for the crash and
concurrency checks: events drawn from a small pool of (type, place, day), so
that many articles report the same incident and deduplication has work to do.
Written for the tests: no outlet's text. Usage: gen_articles.py N DIR SEED"""
import os
import random
import sys

PLACES = [("Hajin", "هجين"), ("al-Qaim", "القائم"), ("Abu Kamal", "البوكمال"),
          ("al-Mayadin", "الميادين"), ("Rabia", "ربيعة"), ("Sinjar", "سنجار"),
          ("al-Hasakah", "الحسكة"), ("Deir ez-Zor", "دير الزور")]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July",
             "August", "September", "October", "November", "December"]
MONTHS_AR = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز",
             "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول"]
EVENTS_EN = {
    "clash": "Heavy clashes erupted in {p} on {d}.",
    "airstrike": "Warplanes carried out airstrikes on {p} on {d}.",
    "attack": "A roadside bomb attack hit a military convoy in {p} on {d}.",
}
EVENTS_AR = {
    "clash": "اندلعت اشتباكات عنيفة بين قوات الأمن ومسلحين في {p} يوم {d}.",
    "airstrike": "شنت طائرات حربية غارات جوية على {p} يوم {d}.",
}


def main():
    n, out, seed = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    pool = [(t, rng.randrange(len(PLACES)), rng.randrange(1, 28), rng.randrange(12))
            for t in ("clash", "airstrike", "attack") for _ in range(12)]
    for i in range(n):
        arabic = rng.random() < 0.4
        events = rng.sample(pool, rng.randrange(1, 4))
        lines = []
        for typ, pi, day, mon in events:
            if arabic and typ in EVENTS_AR:
                lines.append(EVENTS_AR[typ].format(p=PLACES[pi][1], d=f"{day} {MONTHS_AR[mon]} 2024"))
            else:
                lines.append(EVENTS_EN[typ].format(p=PLACES[pi][0], d=f"{day} {MONTHS_EN[mon]} 2024"))
        lines.append(f"Report number {i} of the synthetic test set.")
        with open(os.path.join(out, f"a{i:04d}.txt"), "w", encoding="utf-8") as f:
            f.write("date 2024-12-31\n\n" + "\n\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
