import json
import os
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotpass_assets.lib.drops import (
    Archive,
    DropRegister,
    content_hash,
    display_name,
    is_candidate_file,
    manifest_for,
    parse_partition_key,
    partition_key_for,
    slugify,
)
from hotpass_assets.lib.landing import SEEN_INDEX, list_workbooks, register_file, scan_landing

OLD = time.time() - 3600


def _drop(folder: Path, name: str, data: bytes, mtime: float = OLD) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


@given(st.text(max_size=80))
def test_slug_is_filesystem_safe_and_never_empty(text):
    slug = slugify(text)
    assert slug and len(slug) <= 40
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


FILE_STEMS = st.text(st.characters(blacklist_characters="/\\x00"), min_size=1, max_size=60)


@given(FILE_STEMS, st.dates(), st.text("0123456789abcdef", min_size=64, max_size=64))
def test_partition_key_round_trips(stem, day, sha):
    name = f"{stem}.xlsx"
    key = partition_key_for(name, sha, day)
    parsed = parse_partition_key(key)
    assert parsed.drop_date == day
    assert parsed.hash_prefix == sha[:10]
    assert parsed.stem_slug == slugify(Path(name).stem)


def test_partition_key_is_readable():
    key = partition_key_for("Contact Database (v2).xlsx", "ab" * 32, date(2026, 3, 5))
    assert key == "2026-03-05_contact-database-v2_ababababab"


def test_malformed_key_names_itself():
    with pytest.raises(ValueError, match="not-a-key"):
        parse_partition_key("not-a-key")


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("book.xlsx", True),
        ("Book.XLSM", True),
        ("~$book.xlsx", False),
        (".hidden.xlsx", False),
        ("._book.xlsx", False),
        ("..book.xlsx", True),
        ("...xlsx", True),
        ("book.xlsx.part", False),
        ("book.tmp", False),
        ("notes.txt", False),
    ],
)
def test_candidate_files(name, ok):
    assert is_candidate_file(Path(name)) is ok


def test_archive_is_content_addressed_and_idempotent(tmp_path):
    src = _drop(tmp_path / "in", "a.xlsx", b"hello")
    sha = content_hash(src)
    archive = Archive(tmp_path / "archive")
    path, new = archive.store(src, sha)
    assert new and path.read_bytes() == b"hello" and path.name.startswith(sha)
    again, new_again = archive.store(src, sha)
    assert again == path and not new_again
    assert archive.find(sha[:10]) == path
    src.unlink()
    assert archive.find(sha[:10]).read_bytes() == b"hello"  # backfill works without landing file


def test_archive_refuses_content_that_changed(tmp_path):
    src = _drop(tmp_path / "in", "a.xlsx", b"hello")
    with pytest.raises(ValueError, match=r"a\.xlsx: content changed"):
        Archive(tmp_path / "archive").store(src, "0" * 64)
    assert not list((tmp_path / "archive").rglob("*.xlsx"))


def test_register_first_registration_wins(tmp_path):
    src = _drop(tmp_path / "in", "a.xlsx", b"x")
    reg = DropRegister(tmp_path / "drops")
    m1, new1 = register_file(src, reg)
    copy = _drop(tmp_path / "in", "renamed.xlsx", b"x")
    m2, new2 = register_file(copy, reg)
    assert new1 and not new2 and m2 == m1
    assert reg.by_hash(m1.sha256) == m1


class TestScan:
    def test_new_file_same_content_again_changed_file_and_temp_files(self, tmp_path):
        landing, reg = tmp_path / "landing", DropRegister(tmp_path / "drops")
        _drop(landing, "a.xlsx", b"one")
        _drop(landing, "~$a.xlsx", b"lock")
        _drop(landing, "b.xlsx.part", b"partial")
        first = scan_landing(landing, reg)
        assert [m.file_name for m in first.new_drops] == ["a.xlsx"]
        assert first.ignored == 2
        for m in first.new_drops:
            reg.write(m)
        # same content again, under another name: not a new drop
        _drop(landing, "copy of a.xlsx", b"one")
        second = scan_landing(landing, reg)
        assert second.new_drops == [] and second.already_known == 2
        # changed content: a new drop
        _drop(landing, "a.xlsx", b"two", mtime=OLD + 10)
        third = scan_landing(landing, reg)
        assert [m.file_name for m in third.new_drops] == ["a.xlsx"]
        assert third.new_drops[0].sha256 != first.new_drops[0].sha256

    def test_growing_file_waits_until_stable(self, tmp_path):
        landing, reg = tmp_path / "landing", DropRegister(tmp_path / "drops")
        now = time.time()
        path = _drop(landing, "big.xlsx", b"part", mtime=now)
        first = scan_landing(landing, reg, now=now)
        assert first.new_drops == [] and "big.xlsx" in first.waiting
        path.write_bytes(b"partial and more")  # still being copied
        os.utime(path, (now + 1, now + 1))
        second = scan_landing(landing, reg, waiting=first.waiting, now=now + 1)
        assert second.new_drops == [] and "big.xlsx" in second.waiting
        third = scan_landing(landing, reg, waiting=second.waiting, now=now + 2)
        assert [m.file_name for m in third.new_drops] == ["big.xlsx"]

    def test_batch_limit_defers_the_rest(self, tmp_path):
        landing, reg = tmp_path / "landing", DropRegister(tmp_path / "drops")
        for i in range(7):
            _drop(landing, f"f{i}.xlsx", f"content {i}".encode())
        scan = scan_landing(landing, reg, batch_size=3)
        assert len(scan.new_drops) == 3 and scan.deferred == 4

    def test_missing_landing_folder_is_a_skip_reason(self, tmp_path):
        scan = scan_landing(tmp_path / "nope", DropRegister(tmp_path / "drops"))
        assert "does not exist" in scan.skip_reason

    def test_seen_index_avoids_rehashing_and_forgets_deleted_files(self, tmp_path):
        landing, reg = tmp_path / "landing", DropRegister(tmp_path / "drops")
        a = _drop(landing, "a.xlsx", b"one")
        for m in scan_landing(landing, reg).new_drops:
            reg.write(m)
        seen = json.loads((reg.drops_dir / SEEN_INDEX).read_text())
        assert set(seen) == {"a.xlsx"}
        a.unlink()
        _drop(landing, "b.xlsx", b"two")
        scan_landing(landing, reg)
        assert set(json.loads((reg.drops_dir / SEEN_INDEX).read_text())) == {"b.xlsx"}

    def test_recursive_subfolders(self, tmp_path):
        landing, reg = tmp_path / "landing", DropRegister(tmp_path / "drops")
        _drop(landing / "sacaa", "x.xlsx", b"one")
        assert scan_landing(landing, reg).new_drops == []
        assert len(scan_landing(landing, reg, recursive=True).new_drops) == 1


def test_manifest_date_comes_from_file_mtime(tmp_path):
    path = _drop(tmp_path, "a.xlsx", b"x", mtime=1_700_000_000)
    assert manifest_for(path).drop_date == "2023-11-14"


class TestBoundary:
    """The landing folder is a boundary: only regular files in it are read."""

    def test_symlinks_devices_and_fifos_are_refused_with_a_reason(self, tmp_path):
        landing, reg = tmp_path / "landing", DropRegister(tmp_path / "drops")
        _drop(landing, "good.xlsx", b"good")
        outside = _drop(tmp_path / "elsewhere", "outside.xlsx", b"outside")
        os.symlink("/etc/passwd", landing / "passwd.xlsx")
        os.symlink(outside, landing / "linked.xlsx")
        os.symlink(tmp_path / "missing.xlsx", landing / "broken.xlsx")
        os.mkfifo(landing / "pipe.xlsx")
        os.symlink("/dev/zero", landing / "zero.xlsx")
        os.symlink("/etc/passwd", landing / "notes.txt")  # not a workbook name: ignored
        scan = scan_landing(landing, reg)
        assert [m.file_name for m in scan.new_drops] == ["good.xlsx"]
        reasons = {r.name: r.reason for r in scan.refused}
        assert set(reasons) == {
            "passwd.xlsx",
            "linked.xlsx",
            "broken.xlsx",
            "pipe.xlsx",
            "zero.xlsx",
        }
        assert "symbolic link" in reasons["passwd.xlsx"]
        assert "HOTPASS_LANDING_FOLLOW_SYMLINKS" in reasons["linked.xlsx"]
        assert "FIFO" in reasons["pipe.xlsx"]
        assert scan.ignored == 1

    def test_following_symlinks_is_opt_in_and_takes_regular_files_only(self, tmp_path):
        landing, reg = tmp_path / "landing", DropRegister(tmp_path / "drops")
        outside = _drop(tmp_path / "elsewhere", "outside.xlsx", b"outside")
        os.symlink(outside, landing.mkdir() or landing / "linked.xlsx")
        os.symlink("/dev/zero", landing / "zero.xlsx")
        scan = scan_landing(landing, reg, follow_symlinks=True)
        assert [m.file_name for m in scan.new_drops] == ["linked.xlsx"]
        assert scan.new_drops[0].sha256 == content_hash(outside)
        assert [(r.name, r.reason) for r in scan.refused] == [("zero.xlsx", "link to a device")]

    def test_links_to_folders_are_not_entered(self, tmp_path):
        landing = tmp_path / "landing"
        _drop(tmp_path / "elsewhere", "outside.xlsx", b"outside")
        _drop(landing / "sub", "inside.xlsx", b"inside")
        os.symlink(tmp_path / "elsewhere", landing / "escape")
        listing = list_workbooks(landing, recursive=True, follow_symlinks=True)
        assert [p.name for p in listing.files] == ["inside.xlsx"]
        assert [r.name for r in listing.refused] == ["escape"]

    def test_hashing_without_following_refuses_a_swapped_in_link(self, tmp_path):
        real = _drop(tmp_path, "a.xlsx", b"x")
        link = tmp_path / "b.xlsx"
        os.symlink(real, link)
        assert content_hash(link) == content_hash(real)
        with pytest.raises(OSError):
            content_hash(link, follow_symlinks=False)

    def test_names_are_shown_escaped_and_dotdot_names_are_read(self, tmp_path):
        landing, reg = tmp_path / "landing", DropRegister(tmp_path / "drops")
        _drop(landing, "..odd.xlsx", b"one")
        _drop(landing, "\x1b[31mred\x1b[0m.xlsx", b"two")
        _drop(landing, "line\n  drop fake (x.xlsx): ok.xlsx", b"three")
        scan = scan_landing(landing, reg)
        names = sorted(m.file_name for m in scan.new_drops)
        assert names == sorted(
            ["..odd.xlsx", "\x1b[31mred\x1b[0m.xlsx", "line\n  drop fake (x.xlsx): ok.xlsx"]
        )
        for m in scan.new_drops:
            parse_partition_key(m.partition_key)  # keys stay slugs whatever the name
            shown = display_name(m.file_name)
            assert shown.isprintable() and "\n" not in shown and "\x1b" not in shown
        assert display_name("\x1b[31mred.xlsx") == "\\x1b[31mred.xlsx"
        assert display_name("a\u202eb.xlsx") == "a\\u202eb.xlsx"
        assert len(display_name("x" * 500)) == 120


@given(st.text(max_size=300))
def test_display_name_is_always_one_printable_line(name):
    shown = display_name(name)
    assert shown.isprintable() and len(shown) <= 120
