"""Benchmark of the content machinery on the shipped modules.

Times validating the shipped tree, loading the catalogue, drawing and grading
one sitting, and building and reading a signed content pack (with its size).
The last line of output is one JSON object of the figures.

    python bench/content.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from content.catalogue import catalogue_entry
from content.grading import correct_answer, draw_sitting, grade_attempt
from content.loading import SHIPPED, load_catalogue
from content.packs import build_pack, read_pack
from content.validation import validate_tree
from credentials.keys import SigningKey
from credentials.trust import TrustList, sign_trust_list


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (< 1 minute)")
    repeats = 5 if parser.parse_args().quick else 30

    validate_s = median_seconds(lambda: validate_tree(SHIPPED), repeats)
    load_s = median_seconds(load_catalogue, repeats)
    catalogue = load_catalogue()
    modules = list(catalogue.modules.values())
    rng = random.Random(1)

    def sitting() -> None:
        for module in modules:
            drawn = draw_sitting(module, rng)
            answers = {d.item_id: correct_answer(module.item(d.item_id)) for d in drawn}
            scores = {c.id: max(level.score for level in c.levels) for c in module.checklist}
            grade_attempt(module=module, drawn=drawn, answers=answers, checklist=scores)

    sitting_s = median_seconds(sitting, repeats * 20) / len(modules)
    key = SigningKey.from_seed(bytes(range(32)))
    trust = sign_trust_list(
        key,
        TrustList(
            version=1,
            issued_at=datetime.now(UTC),
            roots=(key.public_key,),
            catalogue=tuple(catalogue_entry(module) for module in modules),
        ),
    )
    media = {module.id: catalogue.media(module.id) for module in modules}
    pathways = list(catalogue.pathways.values())
    pack = build_pack(modules, pathways, trust, media, key)
    build_s = median_seconds(lambda: build_pack(modules, pathways, trust, media, key), repeats)
    read_s = median_seconds(lambda: read_pack(pack, pinned_roots=[key.public_key]), repeats)

    figures = {
        "modules": len(modules),
        "items": sum(len(module.items) for module in modules),
        "validate_tree_ms": round(validate_s * 1000, 1),
        "load_catalogue_ms": round(load_s * 1000, 1),
        "draw_and_grade_one_sitting_ms": round(sitting_s * 1000, 3),
        "pack_bytes": len(pack),
        "build_pack_ms": round(build_s * 1000, 1),
        "read_pack_ms": round(read_s * 1000, 1),
    }
    for name, value in figures.items():
        print(f"{name:>32}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
