"""Scanning the landing folder for new workbook drops (pure; the sensor wraps it).

Rules:

* Office lock files (``~$…``), hidden and temporary/partial files are ignored.
* A file is *settled* when its size and modification time are unchanged since the previous scan,
  or when it was last modified at least ``settle_seconds`` ago. Unsettled files wait.
* The content hash decides identity: content already registered (under any name) is not a new
  drop; a renamed copy is recognised; a changed file is a new drop.
* At most ``batch_size`` new drops per scan; the rest are found on the next scan.

State between scans is split so that the sensor's cursor stays small: the cursor only holds the
stat of files seen but not yet settled; a ``seen`` index (path, size, mtime → sha256) kept beside
the drop register avoids hashing unchanged files again.
"""

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from hotpass_assets.lib.drops import (
    DropManifest,
    DropRegister,
    atomic_write_bytes,
    content_hash,
    is_candidate_file,
    manifest_for,
)

SEEN_INDEX = "_seen.json"


@dataclass
class ScanResult:
    new_drops: list[DropManifest] = field(default_factory=list)
    already_known: int = 0
    waiting: dict[str, list[int]] = field(default_factory=dict)  # path -> [size, mtime_ns]
    deferred: int = 0  # settled new files left for the next scan (batch limit)
    ignored: int = 0
    unreadable: list[str] = field(default_factory=list)  # file names we could not read
    skip_reason: str | None = None


def _list_files(landing: Path, recursive: bool) -> list[Path]:
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in landing.glob(pattern) if p.is_file())


def scan_landing(
    landing: Path,
    register: DropRegister,
    *,
    waiting: dict[str, list[int]] | None = None,
    recursive: bool = False,
    batch_size: int = 25,
    settle_seconds: float = 5.0,
    now: float | None = None,
) -> ScanResult:
    result = ScanResult()
    if not landing.exists():
        result.skip_reason = f"landing folder {landing} does not exist"
        return result
    if not landing.is_dir() or not os.access(landing, os.R_OK | os.X_OK):
        result.skip_reason = f"landing folder {landing} is not a readable directory"
        return result
    now = time.time() if now is None else now
    waiting = waiting or {}
    seen_path = register.drops_dir / SEEN_INDEX
    try:
        seen: dict[str, list] = json.loads(seen_path.read_text()) if seen_path.exists() else {}
    except (OSError, ValueError):
        seen = {}
    known_hashes = {m.sha256 for m in register.all()}
    batch_hashes: set[str] = set()
    seen_changed = False
    for path in _list_files(landing, recursive):
        if not is_candidate_file(path):
            result.ignored += 1
            continue
        try:
            st = path.stat()
        except OSError:
            continue
        stat = [st.st_size, st.st_mtime_ns]
        rel = str(path.relative_to(landing))
        cached = seen.get(rel)
        if cached and cached[:2] == stat and cached[2] in known_hashes:
            result.already_known += 1
            continue
        settled = waiting.get(rel) == stat or (now - st.st_mtime) >= settle_seconds
        if not settled:
            result.waiting[rel] = stat
            continue
        if len(result.new_drops) >= batch_size:
            result.deferred += 1
            continue
        try:
            sha = content_hash(path)
        except OSError:
            result.unreadable.append(path.name)
            continue
        seen[rel] = [*stat, sha]
        seen_changed = True
        if sha in known_hashes or sha in batch_hashes:
            result.already_known += 1
            continue
        batch_hashes.add(sha)
        result.new_drops.append(manifest_for(path, sha256=sha))
    if seen_changed:
        register.drops_dir.mkdir(parents=True, exist_ok=True)
        live = {str(p.relative_to(landing)) for p in _list_files(landing, recursive)}
        seen = {k: v for k, v in seen.items() if k in live}
        atomic_write_bytes(seen_path, json.dumps(seen, sort_keys=True).encode())
    return result


def register_file(path: Path, register: DropRegister) -> tuple[DropManifest, bool]:
    """Register one workbook outside the sensor (CLI); returns (manifest, newly registered)."""
    sha = content_hash(path)
    existing = register.by_hash(sha)
    if existing is not None:
        return existing, False
    manifest = manifest_for(path, sha256=sha)
    register.write(manifest)
    return manifest, True
