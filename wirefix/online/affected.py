"""The store's files a notice concerns, as the online step sees them: paths, hashes, names and
perceptual hashes, taken before the store step moves a killed file."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wirefix.storage.database import Database

if TYPE_CHECKING:
    from imagehash import ImageHash

Log = Callable[[str], None]


@dataclass
class Affected:
    """A store file the notice concerns, with its perceptual hash (for stripped copies)."""

    path: Path
    rel_path: str
    phash: ImageHash
    width: int
    height: int


def phash_of(data: bytes) -> tuple[ImageHash, int, int] | None:
    import imagehash
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            return imagehash.phash(im.convert("RGB")), im.width, im.height
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def affected_files(db: Database, notice_id: int) -> list[Affected]:
    """The notice's `auto` files where they are now, and the photos a kill moved away."""
    paths: dict[str, str] = {}
    for c in db.candidates(notice_id):
        if c.decision == "auto":
            paths[c.file.path] = c.file.rel_path
    for row in db.audit_entries(notice_id):
        if row.action == "kill" and row.outcome == "ok":
            import json

            body = json.loads(row.payload)
            for step in body.get("kill_steps") or body.get("steps") or []:
                if step.get("kind") == "photo" and step.get("dst"):
                    paths.setdefault(step["dst"], body.get("rel_path") or step["dst"])
    out = []
    for path, rel in sorted(paths.items()):
        p = Path(path)
        if not p.is_file():
            continue
        got = phash_of(p.read_bytes())
        if got:
            out.append(Affected(p, rel, *got))
    return out
