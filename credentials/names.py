"""A holder's name as two workers may type it: the edge node compares it with a learner's
when a credential from another centre is recognised, and the hub checks that again."""

from __future__ import annotations

import unicodedata

APOSTROPHES = str.maketrans(dict.fromkeys("\u2018\u2019\u02bc\u02bb\u0060\u00b4\u2032", "'"))
"""What a phone's keyboard types for the apostrophe in a name such as Ng'ang'a: the
names match whichever one each worker's keyboard gave."""


def normalise_name(name: str) -> str:
    """A name without accents, case, spacing or apostrophe differences ("Halima  Achieng"
    and "halima achiéng", "Ng'ang'a" and "Ng’ang’a" are the same person's name as written
    by two workers)."""
    folded = unicodedata.normalize("NFKD", name.translate(APOSTROPHES))
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def same_name(a: str, b: str) -> bool:
    return normalise_name(a) == normalise_name(b)
