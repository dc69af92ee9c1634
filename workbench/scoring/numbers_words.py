"""Numbers written in words, in French and English: ``trente jours`` → ``30 jours``.

Replies write small numbers in words as often as in digits ("sous trente jours", "within
fourteen days"); facts are written either way too. `replace_number_words` turns runs of number
words into digits in a list of folded tokens, so both forms compare equal. A lone ``un`` /
``une`` / ``one`` / ``a`` is an article far more often than a number and is left alone, except
inside a compound ("vingt et un", "trente-et-une").
"""

from __future__ import annotations

# fmt: off
_UNITS = {
    # French
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70, "huitante": 80,
    "octante": 80, "nonante": 90,
    # English
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
# fmt: on
_HUNDRED = {"cent", "cents", "hundred"}
_THOUSAND = {"mille", "thousand"}
_ARTICLES = {"un", "une", "one"}


def _is_number_word(token: str) -> bool:
    return token in _UNITS or token in _HUNDRED or token in _THOUSAND


def _joins(before: str, joiner: str, after: str) -> bool:
    # French "et" only in "vingt et un" … "soixante et onze"; English "and" after hundred/thousand.
    if joiner == "et":
        return after in {"un", "une", "onze"} and _UNITS.get(before, 0) in {20, 30, 40, 50, 60}
    if joiner == "and":
        return (before in _HUNDRED or before in _THOUSAND) and _is_number_word(after)
    return False


def _value(words: list[str]) -> int:
    total, current = 0, 0
    for word in words:
        if word in _HUNDRED:
            current = max(current, 1) * 100
        elif word in _THOUSAND:
            total += max(current, 1) * 1000
            current = 0
        elif word in {"vingt", "vingts"} and current % 100 == 4:
            current += 80 - 4  # quatre-vingt(s): 4 × 20
        else:
            current += _UNITS[word]
    return total + current


def replace_number_words(tokens: list[str]) -> list[str]:
    """Folded tokens with each run of number words replaced by its value in digits.

    Hyphenated compounds ("quatre-vingt-dix") should be split into tokens beforehand.
    """
    result: list[str] = []
    index = 0
    while index < len(tokens):
        if not _is_number_word(tokens[index]):
            result.append(tokens[index])
            index += 1
            continue
        run = [tokens[index]]
        end = index + 1
        while end < len(tokens):
            if _is_number_word(tokens[end]):
                run.append(tokens[end])
                end += 1
            elif end + 1 < len(tokens) and _joins(run[-1], tokens[end], tokens[end + 1]):
                end += 1  # "vingt et un", "one hundred and five"
            else:
                break
        if len(run) == 1 and run[0] in _ARTICLES:
            result.append(run[0])
        else:
            result.append(str(_value(run)))
        index = end
    return result
