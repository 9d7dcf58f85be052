"""Draw a report figure only when what it shows changed.

A figure is a function of its data frames and arguments and of the drawing code. Each drawn
figure (PNG + SVG under ``<out>/plots/``) gets a key file beside it naming a hash of all that;
the next report into the same folder keeps the files when the key matches and draws otherwise
(``--no-cache`` always draws). Matplotlib is imported only when something is drawn.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

KEY_SUFFIX = ".key"


def _frame_digest(frame: pd.DataFrame) -> bytes:
    h = hashlib.sha1()
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.digest()


def _code_digest() -> bytes:
    h = hashlib.sha1((Path(__file__).parent / "plots.py").read_bytes())
    for dist in ("matplotlib", "seaborn", "pandas"):
        h.update(f"{dist}={version(dist)}".encode())
    return h.digest()


def key_of(name: str, stem: Path, frames: list[pd.DataFrame], args: dict[str, Any]) -> str:
    h = hashlib.sha1(_code_digest())
    h.update(f"{name}\0{stem.name}\0{sorted((k, repr(v)) for k, v in args.items())!r}".encode())
    for frame in frames:
        h.update(_frame_digest(frame))
    return h.hexdigest()


def _paths(stem: Path) -> list[Path]:
    return [stem.with_suffix(".png"), stem.with_suffix(".svg")]


def draw(
    name: str,
    stem: Path,
    frames: list[pd.DataFrame],
    cache: bool,
    **args: Any,
) -> list[Path]:
    """``cc_evals.plots.<name>(*frames, stem, **args)``, or the files it drew last time for the
    same inputs (with ``cache``)."""
    key_file = stem.with_name(f".{stem.name}{KEY_SUFFIX}")
    key = key_of(name, stem, frames, args) if cache else None
    paths = _paths(stem)
    if key is not None and all(p.is_file() for p in paths):
        try:
            if key_file.read_text() == key:
                return paths
        except OSError:
            pass
    from cc_evals import plots

    fn: Callable[..., list[Path]] = getattr(plots, name)
    key_file.unlink(missing_ok=True)
    drawn = fn(*frames, stem, **args)
    if key is not None and drawn == paths:
        key_file.write_text(key)
    return drawn
