"""Redaction precision and recall on the labelled French set (bench/data/redaction_fr.txt).

A labelled value is *found* when predicted spans cover all of it (whatever kind they say);
a predicted span is a *false positive* when it overlaps no labelled value (an order number, a
price, a date replaced by mistake). Figures are given for the dev part (looked at while
tuning) and the held-out part (never looked at), overall and per kind, with and without spaCy
NER. Run:

    PYTHONPATH=. python bench/redaction_quality.py [--no-ner] [--show-errors]
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from pathlib import Path

from workbench.privacy.redactor import Redactor

DATA = Path(__file__).parent / "data" / "redaction_fr.txt"
_MARK = re.compile(r"\[\[([A-Z]+):(.*?)\]\]")


def _iban(rng: random.Random) -> str:
    bban = "".join(str(rng.randint(0, 9)) for _ in range(23))
    check = 98 - int("".join(str(int(c, 36)) for c in bban + "FR00")) % 97
    raw = f"FR{check:02d}{bban}"
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4)) if rng.random() < 0.7 else raw


def _card(rng: random.Random) -> str:
    digits = [rng.choice([4, 5])] + [rng.randint(0, 9) for _ in range(14)]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 0:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    digits.append((10 - total % 10) % 10)
    text = "".join(map(str, digits))
    return " ".join(text[i : i + 4] for i in range(0, 16, 4)) if rng.random() < 0.7 else text


def load(
    path: Path = DATA, seed: int = 2026
) -> dict[str, list[tuple[str, list[tuple[int, int, str]]]]]:
    """{"dev": [...], "heldout": [...]}: (text, [(start, end, kind)])."""
    rng = random.Random(seed)
    parts: dict[str, list[tuple[str, list[tuple[int, int, str]]]]] = {"dev": [], "heldout": []}
    part = "dev"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            part = line[3:].strip()
            continue
        if not line.strip() or line.startswith("#"):
            continue
        text, gold, last = "", [], 0
        for m in _MARK.finditer(line):
            text += line[last : m.start()]
            kind, value = m.group(1), m.group(2)
            if value == "auto":
                value = _iban(rng) if kind == "IBAN" else _card(rng)
            gold.append((len(text), len(text) + len(value), kind))
            text += value
            last = m.end()
        text += line[last:]
        parts[part].append((text, gold))
    return parts


def _strip_title(text: str, start: int, end: int) -> int:
    # "Mme Duchêne" labelled whole: the title itself need not be replaced.
    m = re.match(r"(?:M\.|Mme|Mlle|Monsieur|Madame)\s+", text[start:end])
    return start + m.end() if m else start


def evaluate(
    redactor: Redactor,
    data: list[tuple[str, list[tuple[int, int, str]]]],
    show_errors: bool = False,
) -> dict[str, object]:
    predicted = redactor.find_spans([t for t, _ in data])
    tp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    fp = 0
    found_spans = 0
    errors = []
    for (text, gold), spans in zip(data, predicted, strict=True):
        for start, end, kind in gold:
            start = _strip_title(text, start, end)
            covered = [False] * (end - start)
            for s in spans:
                for i in range(max(s.start, start), min(s.end, end)):
                    covered[i - start] = True
            if all(covered):
                tp[kind] += 1
            else:
                fn[kind] += 1
                errors.append(f"MISSED {kind}: {text[start:end]!r} in {text!r}")
        for s in spans:
            found_spans += 1
            if not any(s.start < e and g < s.end for g, e, _ in gold):
                fp += 1
                errors.append(f"FALSE {s.entity}: {text[s.start : s.end]!r} in {text!r}")
    if show_errors:
        print("\n".join(errors))
    total_tp, total_fn = sum(tp.values()), sum(fn.values())
    return {
        "sentences": len(data),
        "labelled": total_tp + total_fn,
        "recall": total_tp / (total_tp + total_fn) if total_tp + total_fn else 1.0,
        "precision": (found_spans - fp) / found_spans if found_spans else 1.0,
        "false_positives": fp,
        "recall_by_kind": {k: f"{tp[k]}/{tp[k] + fn[k]}" for k in sorted(set(tp) | set(fn))},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-ner", action="store_true")
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--part", default="both")
    args = parser.parse_args()
    parts = load()
    for use_ner in [False] if args.no_ner else [True, False]:
        redactor = Redactor(use_ner=use_ner)
        label = "patterns + spaCy NER" if redactor.ner_available else "patterns only"
        for part, data in parts.items():
            if args.part not in ("both", part):
                continue
            result = evaluate(redactor, data, args.show_errors and part == "dev")
            print(f"{label:22} {part:8} {result}")


if __name__ == "__main__":
    main()
