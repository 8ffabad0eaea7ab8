"""How alike two short report descriptions are, in Chinese or English.

Patrollers type fast, on a phone, in their own words: "楼下井盖破损" and "井盖破了，
在楼下" describe the same thing. Word segmentation of such fragments is unreliable
and would need a dictionary, so the text is compared as a bag of overlapping
character n-grams instead:

* the text is normalised (NFKC folds full-width letters, digits and punctuation to
  their plain forms; case is folded; punctuation, symbols and spaces are dropped);
* it is read as a stream of symbols: each Han (or other non-Latin) character, each
  run of digits, each Latin word;
* the features are the symbols (unigrams) and adjacent pairs (bigrams), plus
  character trigrams inside Latin words so that "broken" meets "broke";
* filler that appears in every report (的, 了, 在, 发现, "the", "near" …) is kept
  but down-weighted, so two reports do not look alike merely for being reports.

Similarity is the weighted Dice coefficient of the two feature multisets, in [0, 1].
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

UNIGRAM_WEIGHT = 0.4
BIGRAM_WEIGHT = 1.0
TRIGRAM_WEIGHT = 0.3
FILLER_FACTOR = 0.25

# Characters that carry little meaning in a report on their own.
STOP_CHARS = frozenset("的了在有很一个是和也都就这那着把被让还又吧呢啊呀嘛哦我你他她它们已处")

# Two-character boilerplate common to reports of every category.
STOP_BIGRAMS = frozenset(
    "发现 存在 情况 问题 附近 现场 反映 目前 已经 一直 多次 请求 处理 尽快 希望 及时 "
    "有人 这里 那里 这个 一个 没有 造成 导致 需要 隐患 安全 严重 影响".split()
)

STOP_WORDS = frozenset(
    "a an the is are was were be been being of at in on to and or near by with for from "
    "this that there it its has have had not no very please some again still here".split()
)

# One symbol each: a Latin-script word, a digit run, or any other letter (Han, kana …).
_SYMBOL = re.compile(r"[a-z\u00c0-\u024f]+|\d+|[^\W\d_]", re.UNICODE)
_LATIN = re.compile(r"[a-z\u00c0-\u024f]+")


def normalize(text: str) -> str:
    """NFKC, case-folded, with punctuation, symbols, controls and whitespace removed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if unicodedata.category(c)[0] in "LNM")


def _symbols(text: str) -> list[str]:
    # Spaces still separate Latin words here; normalize() would glue them together.
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SYMBOL.findall(folded)


def _is_filler(symbol: str) -> bool:
    return symbol in STOP_CHARS or symbol in STOP_WORDS


@dataclass(frozen=True)
class TextProfile:
    """The weighted n-gram multiset of one text."""

    weights: Mapping[str, float]
    total: float
    script: str = ""  # "han", "latin" or "" (neither dominates, or empty)
    addresses: frozenset[str] = frozenset()  # see address_numbers()
    # The distinctive features (bigrams and words that are not filler, address
    # numbers): what an inverted index over many texts should key on.
    content: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return self.total > 0


def _build_profile(text: str) -> TextProfile:
    symbols = _symbols(text)
    counts: Counter[str] = Counter()
    weights: dict[str, float] = {}

    def add(feature: str, weight: float) -> None:
        counts[feature] += 1
        weights[feature] = weight

    # A symbol is filler on its own (的, "the") or as part of boilerplate (发现, 隐患);
    # a bigram touching filler is filler too, which also covers the junk bigram
    # where two boilerplate words meet (安全|隐患 -> 全隐).
    filler = [_is_filler(symbol) for symbol in symbols]
    for k in range(len(symbols) - 1):
        if symbols[k] + symbols[k + 1] in STOP_BIGRAMS:
            filler[k] = filler[k + 1] = True
    for symbol, is_filler in zip(symbols, filler):
        add("1:" + symbol, UNIGRAM_WEIGHT * (FILLER_FACTOR if is_filler else 1.0))
        if len(symbol) > 2 and _LATIN.fullmatch(symbol) and not is_filler:
            padded = f"^{symbol}$"
            for k in range(len(padded) - 2):
                add("3:" + padded[k : k + 3], TRIGRAM_WEIGHT)
    content = {
        "1:" + symbol
        for symbol, is_filler in zip(symbols, filler)
        if not is_filler and len(symbol) > 2 and _LATIN.fullmatch(symbol)
    }
    for k in range(len(symbols) - 1):
        left, right = symbols[k], symbols[k + 1]
        pair = "2:" + (left + right if len(left) == len(right) == 1 else f"{left} {right}")
        add(pair, BIGRAM_WEIGHT * (FILLER_FACTOR if filler[k] or filler[k + 1] else 1.0))
        if not (filler[k] or filler[k + 1]):
            content.add(pair)
    bag = {feature: n * weights[feature] for feature, n in counts.items()}
    addresses = address_numbers(text)
    return TextProfile(
        weights=bag,
        total=sum(bag.values()),
        script=dominant_script(text),
        addresses=addresses,
        content=frozenset(content | addresses),
    )


# House and building numbers: how grid workers say where something is. "3号楼" and
# "5号楼" differ by one character but are two different buildings.
_BUILDING = re.compile(r"(\d+)\s*(?:号楼|幢|栋|号院)|(?:building|block|bldg\.?)\s*(?:no\.?\s*)?(\d+)")
_STREET_NUMBER = re.compile(r"[路街巷道弄里](\d+)号(?!楼|院)|\bno\.?\s*(\d+)")


def address_numbers(text: str) -> frozenset[str]:
    """Building ("b:3") and street ("n:115") numbers mentioned in a description."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    found = set()
    for kind, pattern in (("b", _BUILDING), ("n", _STREET_NUMBER)):
        for match in pattern.finditer(folded):
            number = match.group(1) or match.group(2)
            found.add(f"{kind}:{int(number)}")
    return frozenset(found)


def address_agreement(a: frozenset[str], b: frozenset[str]) -> int | None:
    """+1 when two descriptions share a building or street number, -1 when they name
    numbers of the same kind and none agree, None when they cannot be compared."""
    if a & b:
        return 1
    kinds_a = {n.split(":")[0] for n in a}
    kinds_b = {n.split(":")[0] for n in b}
    return -1 if kinds_a & kinds_b else None


def dominant_script(text: str) -> str:
    """"han" or "latin" when at least two thirds of the letters are of that script, else ""."""
    han = latin = 0
    for c in unicodedata.normalize("NFKC", text):
        if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf":
            han += 1
        elif c.isascii() and c.isalpha():
            latin += 1
    if 3 * han >= 2 * (han + latin) > 0:
        return "han"
    if 3 * latin >= 2 * (han + latin) > 0:
        return "latin"
    return ""


@lru_cache(maxsize=8192)
def text_profile(text: str) -> TextProfile:
    """The n-gram profile of a text (cached: the same descriptions recur)."""
    return _build_profile(text or "")


def profile_similarity(a: TextProfile, b: TextProfile) -> float:
    """Weighted Dice coefficient of two profiles: 0 for nothing shared, 1 for identical."""
    if not a or not b:
        return 0.0
    small, large = (a.weights, b.weights) if len(a.weights) <= len(b.weights) else (b.weights, a.weights)
    shared = 0.0
    for feature, weight in small.items():
        other = large.get(feature)
        if other is not None:
            shared += weight if weight < other else other
    return min(1.0, 2.0 * shared / (a.total + b.total))


def text_similarity(a: str, b: str) -> float:
    """How alike two descriptions are, in [0, 1]; empty text is alike to nothing."""
    return profile_similarity(text_profile(a), text_profile(b))
