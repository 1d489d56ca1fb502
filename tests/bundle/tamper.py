"""Tamper with plan bundles as a forger would."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from councilplan import verifier


def rewrite(path: Path, out: Path, *, arrays: dict[str, Callable[[np.ndarray], np.ndarray]] | None = None,
            manifest: Callable[[dict[str, Any]], None] | None = None, redigest: bool = False,
            rehash: bool = False) -> Path:
    """A copy of the bundle at ``path`` with ``arrays`` changed (name → function of the old array) and
    ``manifest`` edited in place. ``redigest`` updates the manifest's digests of the changed arrays, as a
    forger would; ``rehash`` also recomputes the input hash from the tampered contents."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    man = json.loads(members["manifest.json"])
    for member in ("economy.npz", "plan.npz"):
        with np.load(io.BytesIO(members[member])) as npz:
            content = {k: npz[k] for k in npz.files}
        touched = False
        for name, change in (arrays or {}).items():
            if name in content:
                content[name] = change(content[name].copy())
                touched = True
                if redigest:
                    man["digests"][name] = verifier.array_digest(content[name])
        if touched:
            buf = io.BytesIO()
            np.savez(buf, **content)
            members[member] = buf.getvalue()
    if manifest is not None:
        manifest(man)
    if rehash:
        members["manifest.json"] = json.dumps(man).encode()
        out.write_bytes(_zip(members))
        b = verifier.read_bundle(str(out))
        M = {n: verifier.matrix(b, n) for n in verifier.MATRICES}
        opts = man["options"]
        man["input_hash"] = verifier.input_hash(verifier.content_hash(b.labels, M, b.arrays), man["objective"],
                                                man["solver"], opts["tol"], opts["extra"])
    members["manifest.json"] = json.dumps(man).encode()
    out.write_bytes(_zip(members))
    return out


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()
