"""Anonymisation throughput in messages per CPU-second (robust to a shared, busy machine).

Generates N demo-shop messages and anonymises them with the pattern recognisers only, and with
spaCy NER through Presidio, reporting wall time, CPU time of this process, how many messages
went through NER, and the replacements. Run:

    PYTHONPATH=. python bench/redaction_throughput.py --messages 20000
"""

from __future__ import annotations

import argparse
import time

from workbench.privacy.redactor import RedactionItem, Redactor
from workbench.testing.shop_logs import conversations


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    items: list[RedactionItem] = []
    for conv in conversations(10**9, seed=5):
        items.extend(RedactionItem(m["conversation_id"], m["text"]) for m in conv)
        if len(items) >= args.messages:
            break
    for use_ner in (False, True):
        redactor = Redactor(use_ner=use_ner)
        redactor.redact_batch(items[:200])  # warm up (model load is not counted)
        redactor = Redactor(use_ner=use_ner) if not use_ner else redactor
        wall, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(items), args.batch):
            redactor.redact_batch(items[start : start + args.batch])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        label = "patterns + spaCy NER" if redactor.ner_available else "patterns only"
        print(
            f"{label:22} {len(items)} messages: wall {wall:.1f} s ({len(items) / wall:.0f}/s), "
            f"CPU {cpu:.1f} s ({len(items) / cpu:.0f} per CPU-second); "
            f"NER on {redactor.report.ner_messages} messages; {redactor.report.as_dict()}",
            flush=True,
        )


if __name__ == "__main__":
    main()
