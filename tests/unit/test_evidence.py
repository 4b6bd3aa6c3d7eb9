"""Evidence rules: the type by content, size limits per kind, a count limit, safe names."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordercenter.adapters.file_store import LocalFileStore, evidence_key
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.evidence import (
    SNIFF_BYTES,
    EvidenceKind,
    EvidenceLimits,
    check_evidence,
    check_file,
    read_budget,
    safe_file_name,
)
from tests.evidence_files import HTML, mov, mp4, png, webp

LIMITS = EvidenceLimits(max_photo_bytes=1000, max_video_bytes=5000, max_files=3)


@pytest.mark.parametrize(("content", "mime", "kind"), [
    (png(), "image/png", EvidenceKind.PHOTO),
    (webp(), "image/webp", EvidenceKind.PHOTO),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64, "image/jpeg",
     EvidenceKind.PHOTO),
    (mp4(1000), "video/mp4", EvidenceKind.VIDEO),
    (mov(1000), "video/quicktime", EvidenceKind.VIDEO),
])
def test_photos_and_videos_are_recognised_by_their_content(content: bytes, mime: str, kind: EvidenceKind) -> None:
    accepted = check_file("upload.bin", content, LIMITS)
    assert accepted.type.mime == mime
    assert accepted.type.kind is kind


def test_an_html_page_named_photo_jpg_is_refused_by_its_content() -> None:
    with pytest.raises(InvalidInput) as error:
        check_file("photo.jpg", HTML, LIMITS)
    assert error.value.field == "evidence"
    assert "'photo.jpg'" in error.value.message
    assert "not the name" in error.value.message


def test_a_recognised_type_that_is_not_allowed_is_refused_naming_its_type() -> None:
    with pytest.raises(InvalidInput) as error:
        check_file("funny.gif", b"GIF89a" + b"\x00" * 40, LIMITS)
    assert "image/gif" in error.value.message


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        check_file("nothing.png", b"", LIMITS)


def test_a_photo_over_the_photo_limit_is_refused_while_a_video_of_that_size_passes() -> None:
    big_photo = png(padding=LIMITS.max_photo_bytes)
    with pytest.raises(InvalidInput) as error:
        check_file("big.png", big_photo, LIMITS)
    assert error.value.field == "evidence"
    assert "'big.png'" in error.value.message and "photo" in error.value.message
    assert check_file("clip.mp4", mp4(len(big_photo)), LIMITS).type.kind is EvidenceKind.VIDEO


def test_more_files_than_the_limit_are_refused_before_any_is_looked_at() -> None:
    with pytest.raises(InvalidInput) as error:
        check_evidence([(f"{n}.png", png()) for n in range(LIMITS.max_files + 1)], LIMITS, required=True)
    assert f"at most {LIMITS.max_files}" in error.value.message


def test_a_reason_that_needs_proof_refuses_a_request_without_files() -> None:
    with pytest.raises(InvalidInput, match="at least one photo or video"):
        check_evidence([], LIMITS, required=True)
    assert check_evidence([], LIMITS, required=False) == []


def test_one_bad_file_refuses_the_whole_set() -> None:
    with pytest.raises(InvalidInput, match="'page.png'"):
        check_evidence([("ok.png", png()), ("page.png", HTML)], LIMITS, required=True)


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd.png", "passwd.png"),
    ("C:\\Users\\me\\Desktop\\broken box.PNG", "broken_box.png"),
    ("/tmp/.hidden", "hidden.png"),
    ("", "photo.png"),
    ("parcel.jpg", "parcel.png"),  # the extension follows the real type
    ("café <script>.png", "cafe_script.png"),
])
def test_a_file_name_loses_its_folders_and_odd_characters(name: str, expected: str) -> None:
    assert safe_file_name(name, check_file("x", png(), LIMITS).type) == expected


def test_the_read_budget_stops_one_byte_past_the_limit_of_the_sniffed_kind() -> None:
    assert read_budget(png()[:SNIFF_BYTES], LIMITS) == LIMITS.max_photo_bytes + 1
    assert read_budget(mp4()[:SNIFF_BYTES], LIMITS) == LIMITS.max_video_bytes + 1
    assert read_budget(HTML, LIMITS) == len(HTML)  # refused anyway: its head is enough


def test_limits_must_be_positive() -> None:
    with pytest.raises(InvalidInput):
        EvidenceLimits(max_files=0)


def test_the_file_store_keeps_files_private_and_refuses_keys_that_leave_its_folder(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "files")
    key = evidence_key(3, "12", 1, "box.png")
    store.put(key, png(), "image/png")
    assert key == "shop-3/returns/12/1-box.png" and store.get(key) == png()
    assert (tmp_path / "files" / key).stat().st_mode & 0o777 == 0o600
    (tmp_path / "outside").mkdir()
    (tmp_path / "files" / "shop-3" / "link").symlink_to(tmp_path / "outside")
    for bad in ("../secret.key", "/etc/passwd", "shop-3/../../secret.key", "shop-3\\..\\x", "shop-3/link/x", ""):
        with pytest.raises(InvalidInput):
            store.put(bad, b"x", "text/plain")
    with pytest.raises(NotFound):
        store.get("shop-3/returns/12/2-missing.png")
    assert not (tmp_path / "secret.key").exists() and not list((tmp_path / "outside").iterdir())
