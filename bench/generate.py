"""Deterministic generator of realistic notebooks for the benchmarks.

A notebook of ``n`` code cells looks like what data people write: an imports
cell, IPython magics (``%matplotlib inline``, ``!pip install``, ``%time``),
typed and untyped functions, a dataclass, top-level data code, markdown cells,
outputs with small base64 PNG images, out-of-order execution counts. Some cells
are not black-formatted and a few hold type errors so black and mypy have work.
Only the standard library is imported, so mypy and pyflakes need no stubs.

Usage: ``python bench/generate.py --cells 100 --out nb.ipynb [--seed 7]``.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import struct
import zlib
from pathlib import Path
from typing import Any

#: names the generator never binds: the browser benchmark types them to create a finding
RESERVED_NAMES = ("q",)

IMPORTS = """import collections
import itertools
import json
import math
import os
import random
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional"""


def _png(seed: int, size: int = 8) -> str:
    """A real, tiny RGB PNG (base64), different per seed."""
    rng = random.Random(seed)
    rows = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(size * 3)) for _ in range(size))

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    raw = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(raw).decode("ascii")


def _typed_function(i: int) -> str:
    return f'''def scale_{i}(values: list[float], factor: float = 1.0) -> list[float]:
    """Scale every value by ``factor``."""
    return [v * factor for v in values]


def mean_{i}(values: Iterable[float]) -> float:
    items = list(values)
    if not items:
        return 0.0
    return math.fsum(items) / len(items)'''


def _untyped_function(i: int) -> str:
    return f"""def normalise_{i}(rows, key):
    total = sum(r[key] for r in rows) or 1
    return [dict(r, share=r[key] / total) for r in rows]


def load_{i}(path):
    if not os.path.exists(path):
        return []
    with open(path) as fh:
        return json.load(fh)"""


def _class(i: int) -> str:
    return f'''@dataclass
class Record{i}:
    name: str
    value: float
    tags: list[str] = field(default_factory=list)

    def scaled(self, factor: float) -> "Record{i}":
        return Record{i}(self.name, self.value * factor, list(self.tags))

    def label(self) -> str:
        return f"{{self.name}}={{self.value:.2f}}"'''


def _data(i: int, typed: int | None, cls: int | None) -> str:
    lines = [
        f"rng_{i} = random.Random({i})",
        f"data_{i} = [rng_{i}.random() for _ in range(50)]",
        f"counts_{i} = collections.Counter(round(x, 1) for x in data_{i})",
        f"pairs_{i} = list(itertools.islice(itertools.combinations(data_{i}, 2), 10))",
        f"spread_{i} = statistics.pstdev(data_{i})",
    ]
    if typed is not None:
        lines.append(f"summary_{i} = mean_{typed}(scale_{typed}(data_{i}, 2.0))")
    if cls is not None:
        lines.append(f'records_{i} = [Record{cls}(f"r{{k}}", v) for k, v in enumerate(data_{i}[:5])]')
    lines.append(f"print(len(data_{i}), spread_{i})")
    return "\n".join(lines)


def _unformatted(i: int) -> str:
    return f"""config_{i}={{'alpha':1,'beta' : [1,2,3],"gamma":None}}
def helper_{i}( a,b = 2 ):
    return a+b
values_{i} = [ helper_{i}(x,b=3) for x in range( 10 ) ]"""


def _type_error(i: int, typed: int) -> str:
    # mypy: argument 1 has incompatible type "str"; incompatible assignment
    return f"""broken_{i} = scale_{typed}("not a list", 2.0)
limit_{i}: int = "ten"
print(broken_{i}, limit_{i})"""


MAGICS = [
    "%matplotlib inline",
    "!pip install requests",
    "%time total_magic = sum(range(1000))",
    "%load_ext autoreload\n%autoreload 2",
]


def _outputs(rng: random.Random, i: int, kind: str) -> list[dict[str, Any]]:
    outs: list[dict[str, Any]] = []
    if kind in ("data", "unformatted", "type_error") and rng.random() < 0.8:
        outs.append(
            {"output_type": "stream", "name": "stdout", "text": [f"50 0.{rng.randrange(10**6):06d}\n"]}
        )
    if kind == "data" and rng.random() < 0.25:
        outs.append(
            {
                "output_type": "display_data",
                "data": {"image/png": _png(i), "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
                "metadata": {},
            }
        )
    if kind == "class" and rng.random() < 0.5:
        outs.append(
            {
                "output_type": "execute_result",
                "execution_count": None,  # filled by the caller
                "data": {"text/plain": [f"Record{i}(name='x', value=1.0, tags=[])"]},
                "metadata": {},
            }
        )
    return outs


def generate(n_code: int, seed: int = 7) -> dict[str, Any]:
    """An nbformat 4.5 notebook with exactly ``n_code`` code cells."""
    rng = random.Random(seed * 100_003 + n_code)
    cells: list[dict[str, Any]] = []
    code_count = 0
    exec_counter = 0
    last_typed: int | None = None
    last_class: int | None = None
    cid = 0

    def add_markdown(text: str) -> None:
        nonlocal cid
        cells.append({"cell_type": "markdown", "id": f"md-{cid:05d}", "metadata": {}, "source": text})
        cid += 1

    def add_code(source: str, kind: str) -> None:
        nonlocal cid, code_count, exec_counter
        roll = rng.random()
        if roll < 0.05:
            count: int | None = None  # never run
        elif roll < 0.15:
            count = rng.randrange(1, exec_counter + 2)  # re-run out of order
        else:
            exec_counter += 1
            count = exec_counter
        outs = _outputs(rng, code_count, kind) if count is not None else []
        for o in outs:
            if o["output_type"] == "execute_result":
                o["execution_count"] = count
        cells.append(
            {
                "cell_type": "code",
                "id": f"code-{cid:05d}",
                "metadata": {},
                "execution_count": count,
                "outputs": outs,
                "source": source,
            }
        )
        cid += 1
        code_count += 1

    add_markdown(
        f"# Analysis notebook ({n_code} code cells)\n\nGenerated by `bench/generate.py`, seed {seed}."
    )
    add_code(IMPORTS, "imports")
    magic_at = (
        {max(1, n_code * k // (len(MAGICS) + 1)): m for k, m in enumerate(MAGICS, 1)} if n_code > 4 else {}
    )
    while code_count < n_code:
        i = code_count
        if i in magic_at:
            add_code(magic_at[i], "magic")
            continue
        if i % 7 == 0:
            add_markdown(f"## Step {i}\n\nWe look at slice {i} of the data and summarise it.")
        roll = rng.random()
        if last_typed is None or roll < 0.22:
            add_code(_typed_function(i), "typed")
            last_typed = i
        elif roll < 0.36:
            add_code(_untyped_function(i), "untyped")
        elif last_class is None or roll < 0.44:
            add_code(_class(i), "class")
            last_class = i
        elif roll < 0.52:
            add_code(_unformatted(i), "unformatted")
        elif roll < 0.57:
            add_code(_type_error(i, last_typed), "type_error")
        else:
            add_code(_data(i, last_typed, last_class), "data")
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.0", "mimetype": "text/x-python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write(n_code: int, out: Path, seed: int = 7) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(generate(n_code, seed), indent=1) + "\n", encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100, help="number of code cells")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write(args.cells, args.out, args.seed)


if __name__ == "__main__":
    main()
