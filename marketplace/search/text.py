"""Danish text to search terms: words, stems (Snowball's Danish stemmer) and stop words.

The same function turns offers and queries into terms, so both databases see identical terms
and the search needs no database-specific full-text engine. Parts of compound words are found
by substring match on the (small) vocabulary of stems: "hjerneskade" finds "senhjerneskade".
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 8
# A query stem this long or longer also matches stems that contain it (compound parts).
MIN_PART_LENGTH = 4

_WORD = re.compile(r"[0-9a-zæøåéü]+")
STOP_WORDS = frozenset(
    [
        "af",
        "alle",
        "allerede",
        "andet",
        "andre",
        "at",
        "bliver",
        "blev",
        "da",
        "de",
        "dem",
        "den",
        "denne",
        "der",
        "deres",
        "det",
        "dette",
        "dig",
        "din",
        "dog",
        "du",
        "efter",
        "eller",
        "en",
        "end",
        "er",
        "et",
        "for",
        "fra",
        "fik",
        "få",
        "får",
        "går",
        "ham",
        "han",
        "har",
        "have",
        "hende",
        "her",
        "hos",
        "hun",
        "hvad",
        "hvis",
        "hvor",
        "i",
        "ikke",
        "ind",
        "jeg",
        "kan",
        "kun",
        "kunne",
        "man",
        "mange",
        "med",
        "meget",
        "men",
        "mig",
        "min",
        "mod",
        "ned",
        "noget",
        "når",
        "og",
        "også",
        "om",
        "op",
        "os",
        "over",
        "på",
        "sig",
        "sin",
        "skal",
        "som",
        "sådan",
        "til",
        "ud",
        "under",
        "var",
        "vi",
        "vil",
        "ved",
        "være",
        "været",
    ]
)

_stemmer = snowballstemmer.stemmer("danish")


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in STOP_WORDS and len(w) > 1]


def terms(text: str) -> list[str]:
    """The distinct stems of a text, in order of first appearance."""
    seen: dict[str, None] = {}
    for word in words(text):
        seen.setdefault(stem(word), None)
    return list(seen)
