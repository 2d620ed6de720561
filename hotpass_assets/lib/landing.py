"""Scanning the landing folder for new workbook drops (pure; the sensor wraps it).

Rules:

* Office lock files (``~$…``), hidden and temporary/partial files are ignored.
* The folder is a boundary (:func:`list_workbooks`): a symbolic link, a device, a FIFO or a socket
  with a workbook name is *refused* with a reason, never read (``follow_symlinks`` accepts links
  to regular files: ``HOTPASS_LANDING_FOLLOW_SYMLINKS=1``); sub-folders are only entered when
  ``recursive``, and never through a link. Names are shown through
  :func:`~hotpass_assets.lib.drops.display_name` and never used to build a path.
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
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from hotpass_assets.lib.drops import (
    DropManifest,
    DropRegister,
    atomic_write_bytes,
    content_hash,
    display_name,
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
    refused: list["Refusal"] = field(default_factory=list)
    skip_reason: str | None = None


@dataclass(frozen=True)
class Refusal:
    """A file in the landing folder that is not taken, and why (``name`` is display-safe)."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


@dataclass
class Listing:
    files: list[Path] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    ignored: int = 0


_LINK_HINT = "set HOTPASS_LANDING_FOLLOW_SYMLINKS=1 to follow links"


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def list_workbooks(
    folder: Path, *, recursive: bool = False, follow_symlinks: bool = False
) -> Listing:
    """The workbook files of ``folder`` (sorted), the entries refused and why, and how many
    other entries were ignored (non-workbook names, lock, hidden and partial files)."""
    out = Listing()
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            rel = display_name(str(path.relative_to(folder)))
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                if recursive:
                    stack.append(path)
                continue
            if stat.S_ISLNK(st.st_mode):
                if recursive and entry.is_dir(follow_symlinks=True):
                    out.refused.append(Refusal(rel, "link to a folder (not entered)"))
                    continue
                if not is_candidate_file(path):
                    out.ignored += 1
                    continue
                if not follow_symlinks:
                    out.refused.append(Refusal(rel, f"symbolic link, not read ({_LINK_HINT})"))
                    continue
                try:
                    target = os.stat(path)
                except OSError:
                    out.refused.append(Refusal(rel, "broken symbolic link"))
                    continue
                if not stat.S_ISREG(target.st_mode):
                    out.refused.append(Refusal(rel, f"link to {_kind(target.st_mode)}"))
                    continue
                out.files.append(path)
                continue
            if not is_candidate_file(path):
                out.ignored += 1
            elif not stat.S_ISREG(st.st_mode):
                out.refused.append(Refusal(rel, f"{_kind(st.st_mode)}, not read"))
            else:
                out.files.append(path)
    out.files.sort()
    return out


def scan_landing(
    landing: Path,
    register: DropRegister,
    *,
    waiting: dict[str, list[int]] | None = None,
    recursive: bool = False,
    batch_size: int = 25,
    settle_seconds: float = 5.0,
    now: float | None = None,
    follow_symlinks: bool = False,
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
        seen: dict[str, list[object]] = (
            json.loads(seen_path.read_text()) if seen_path.exists() else {}
        )
    except (OSError, ValueError):
        seen = {}
    known_hashes = {m.sha256 for m in register.all()}
    batch_hashes: set[str] = set()
    seen_changed = False
    listing = list_workbooks(landing, recursive=recursive, follow_symlinks=follow_symlinks)
    result.ignored, result.refused = listing.ignored, listing.refused
    for path in listing.files:
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
            sha = content_hash(path, follow_symlinks=follow_symlinks)
        except OSError:
            result.unreadable.append(display_name(path.name))
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
        live = {str(p.relative_to(landing)) for p in listing.files}
        seen = {k: v for k, v in seen.items() if k in live}
        atomic_write_bytes(seen_path, json.dumps(seen, sort_keys=True).encode())
    return result


def register_file(
    path: Path, register: DropRegister, *, follow_symlinks: bool = True
) -> tuple[DropManifest, bool]:
    """Register one workbook outside the sensor (CLI); returns (manifest, newly registered)."""
    sha = content_hash(path, follow_symlinks=follow_symlinks)
    existing = register.by_hash(sha)
    if existing is not None:
        return existing, False
    manifest = manifest_for(path, sha256=sha)
    register.write(manifest)
    return manifest, True
