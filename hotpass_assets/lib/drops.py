"""Workbook drops: content hashing, partition keys, the drop register and the archive.

A *drop* is one workbook file that landed. Its partition key is readable, filesystem-safe and
stable: ``<drop date>_<file stem slug>_<sha256 prefix>``. The content hash decides identity: the
same bytes dropped again (under any name) are the same drop; changed bytes are a new drop.

The register (one small JSON manifest per partition key) remembers where the file landed and its
original name; the archive keeps the bytes under their full hash, so a later backfill works even
when the landing file is gone. The archive may be on object storage (a ``UPath``): a file is then
stored in one put of its verified bytes, and read through a local temporary copy.
"""

import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from hotpass_assets.settings import Location

HASH_PREFIX_LEN = 10
_KEY_RE = re.compile(
    rf"^(\d{{4}}-\d{{2}}-\d{{2}})_([a-z0-9-]{{1,40}})_([0-9a-f]{{{HASH_PREFIX_LEN}}})$"
)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def is_candidate_file(path: Path) -> bool:
    """True for workbook files; False for Office lock files, hidden and temporary files.

    Hidden means one leading dot (``.~lock.book.xlsx#``, macOS ``._book.xlsx``); a name that
    starts with ``..`` is an ordinary (if odd) name and is a candidate.
    """
    name = path.name
    hidden = name.startswith(".") and not name.startswith("..")
    if hidden or name.startswith("~") or name.endswith((".tmp", ".part", ".crdownload")):
        return False
    return path.suffix.lower() in WORKBOOK_SUFFIXES


def display_name(name: str, max_len: int = 120) -> str:
    """``name`` safe to print on one line of a terminal or log: every non-printable character
    (control codes such as ESC and newline, bidirectional overrides, other format characters) is
    shown as a ``\\x``/``\\u`` escape, and long names are shortened in the middle."""
    shown = "".join(
        ch if ch.isprintable() else (f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        for ch in str(name)
    )
    if len(shown) > max_len:
        head = (max_len - 1) // 2
        shown = f"{shown[:head]}…{shown[len(shown) - (max_len - 1 - head) :]}"
    return shown


def content_hash(path: Path, chunk_size: int = 1 << 20, *, follow_symlinks: bool = True) -> str:
    """SHA-256 of the file's bytes, hex. With ``follow_symlinks=False`` a symbolic link (even one
    swapped in after the file was listed) or anything but a regular file raises ``OSError``."""
    digest = hashlib.sha256()
    flags = os.O_RDONLY | (0 if follow_symlinks else os.O_NOFOLLOW | os.O_NONBLOCK)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{display_name(path.name)}: not a regular file")
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def slugify(text: str, max_len: int = 40) -> str:
    """Lower-case ASCII slug of ``[a-z0-9-]``; never empty."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return (slug[:max_len].strip("-")) or "workbook"


def partition_key_for(file_name: str, sha256: str, drop_date: date) -> str:
    return f"{drop_date.isoformat()}_{slugify(Path(file_name).stem)}_{sha256[:HASH_PREFIX_LEN]}"


@dataclass(frozen=True)
class ParsedKey:
    drop_date: date
    stem_slug: str
    hash_prefix: str


def parse_partition_key(key: str) -> ParsedKey:
    """Split a drop partition key; raises ``ValueError`` naming the key when malformed."""
    match = _KEY_RE.match(key)
    if not match:
        raise ValueError(f"not a workbook drop partition key: {key!r}")
    return ParsedKey(date.fromisoformat(match.group(1)), match.group(2), match.group(3))


@dataclass(frozen=True)
class DropManifest:
    partition_key: str
    file_name: str
    landing_path: str
    sha256: str
    size_bytes: int
    drop_date: str  # ISO date
    registered_at: str  # ISO timestamp, UTC

    @property
    def drop_day(self) -> date:
        return date.fromisoformat(self.drop_date)


def drop_date_of(path: Path) -> date:
    """A drop's date: the UTC day the file landed (its modification time)."""
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()


def manifest_for(
    path: Path, *, sha256: str | None = None, drop_date: date | None = None
) -> DropManifest:
    sha = sha256 or content_hash(path)
    day = drop_date or drop_date_of(path)
    return DropManifest(
        partition_key=partition_key_for(path.name, sha, day),
        file_name=path.name,
        # The folder resolved, not the file: a (permitted) link keeps its own name and place.
        landing_path=str(path.parent.resolve() / path.name),
        sha256=sha,
        size_bytes=path.stat().st_size,
        drop_date=day.isoformat(),
        registered_at=datetime.now(tz=UTC).isoformat(timespec="microseconds"),
    )


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file and an atomic rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def first_drop_date(drops_dir: Path) -> date | None:
    """The earliest drop date in the register, from the manifests' names alone (partition keys
    begin with the drop date), or ``None`` when nothing has been registered."""
    if not drops_dir.is_dir():
        return None
    days = []
    for path in drops_dir.glob("*.json"):
        try:
            days.append(date.fromisoformat(path.name[:10]))
        except ValueError:
            continue  # bookkeeping files (``_index.json``) and foreign names
    return min(days, default=None)


class DropRegister:
    """One JSON manifest per drop partition under ``drops_dir``; the hash index is derived."""

    def __init__(self, drops_dir: Path):
        self.drops_dir = drops_dir

    def path_for(self, partition_key: str) -> Path:
        return self.drops_dir / f"{partition_key}.json"

    def write(self, manifest: DropManifest) -> None:
        existing = self.get(manifest.partition_key)
        if existing is not None:
            return  # first registration wins: keeps registered_at and the original landing path
        payload = json.dumps(asdict(manifest), indent=2, sort_keys=True).encode()
        atomic_write_bytes(self.path_for(manifest.partition_key), payload)

    def get(self, partition_key: str) -> DropManifest | None:
        path = self.path_for(partition_key)
        if not path.exists():
            return None
        return DropManifest(**json.loads(path.read_text()))

    def all(self) -> list[DropManifest]:
        if not self.drops_dir.exists():
            return []
        return [
            DropManifest(**json.loads(p.read_text()))
            for p in sorted(self.drops_dir.glob("*.json"))
            if not p.name.startswith("_")  # bookkeeping files, e.g. the landing scan's index
        ]

    def by_hash(self, sha256: str) -> DropManifest | None:
        for manifest in self.all():
            if manifest.sha256 == sha256:
                return manifest
        return None


class Archive:
    """Content-addressed copy of every drop: ``<archive>/<aa>/<sha256><suffix>``."""

    def __init__(self, archive_dir: Location):
        self.archive_dir = archive_dir

    def path_for(self, sha256: str, suffix: str) -> Location:
        return self.archive_dir / sha256[:2] / f"{sha256}{suffix.lower()}"

    def store(self, source: Path, sha256: str) -> tuple[Location, bool]:
        """Copy ``source`` into the archive (atomically); returns (path, newly stored)."""
        target = self.path_for(sha256, source.suffix)
        if target.exists():
            return target, False
        target.parent.mkdir(parents=True, exist_ok=True)
        if not isinstance(target, Path):  # object storage: one put of the verified bytes
            data = source.read_bytes()
            _verify(source, sha256, hashlib.sha256(data).hexdigest())
            target.write_bytes(data)
            return target, True
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming.", suffix=".tmp")
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            _verify(source, sha256, content_hash(Path(tmp)))
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target, True

    def find(self, hash_prefix: str) -> "Location | None":
        shard = self.archive_dir / hash_prefix[:2]
        if not shard.exists():
            return None
        matches = sorted(p for p in shard.iterdir() if p.name.startswith(hash_prefix))
        return matches[0] if matches else None


def _verify(source: Path, expected: str, actual: str) -> None:
    if actual != expected:
        raise ValueError(
            f"{source.name}: content changed while archiving "
            f"(expected sha256 {expected[:12]}, got {actual[:12]})"
        )


@contextmanager
def local_file(path: Location) -> Iterator[Path]:
    """``path`` itself when local; else a temporary local copy (workbook readers need a file)."""
    if isinstance(path, Path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="hotpass-archive-") as tmp:
        local = Path(tmp) / path.name
        local.write_bytes(path.read_bytes())
        yield local
