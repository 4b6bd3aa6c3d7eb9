"""Evidence of a return/refund request: photos and videos, checked by their content, never by their name.

The type comes from the file's first bytes (the `filetype` library reads magic numbers, a pure
function of the bytes like the `holidays` calendars in policies.py), so an HTML page renamed
`photo.jpg` is refused whatever the client says. Every check here raises `InvalidInput` naming the
`evidence` field, the file and the reason, before anything is stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import filetype

from ordercenter.domain.errors import InvalidInput

FIELD = "evidence"
MB = 1024 * 1024
# What filetype reads to recognise a type; reading this much first tells which size limit applies.
SNIFF_BYTES = 8192


class EvidenceKind(StrEnum):
    """What a piece of evidence is, which decides its size limit."""

    PHOTO = "photo"  # JPEG, PNG or WebP
    VIDEO = "video"  # MP4 or MOV


@dataclass(frozen=True)
class EvidenceType:
    mime: str
    kind: EvidenceKind
    label: str  # how a merchant names it
    extension: str


ALLOWED_TYPES: dict[str, EvidenceType] = {t.mime: t for t in (
    EvidenceType("image/jpeg", EvidenceKind.PHOTO, "JPEG", "jpg"),
    EvidenceType("image/png", EvidenceKind.PHOTO, "PNG", "png"),
    EvidenceType("image/webp", EvidenceKind.PHOTO, "WebP", "webp"),
    EvidenceType("video/mp4", EvidenceKind.VIDEO, "MP4", "mp4"),
    EvidenceType("video/quicktime", EvidenceKind.VIDEO, "MOV", "mov"),
)}
ALLOWED_TEXT = "a JPEG, PNG or WebP photo or an MP4 or MOV video"


@dataclass(frozen=True)
class EvidenceLimits:
    """How much evidence one request may carry (configurable: ORDERCENTER_EVIDENCE_*)."""

    max_photo_bytes: int = 10 * MB
    max_video_bytes: int = 100 * MB
    max_files: int = 5

    def __post_init__(self) -> None:
        if min(self.max_photo_bytes, self.max_video_bytes, self.max_files) < 1:
            raise InvalidInput("evidence limits must be positive", field="evidence_limits")

    def max_bytes(self, kind: EvidenceKind) -> int:
        return self.max_photo_bytes if kind is EvidenceKind.PHOTO else self.max_video_bytes

    @property
    def largest_file(self) -> int:
        return max(self.max_photo_bytes, self.max_video_bytes)


@dataclass(frozen=True)
class EvidenceFile:
    """One accepted file: its safe name, its sniffed type, and its bytes."""

    name: str
    type: EvidenceType
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


def sniff(content: bytes) -> str | None:
    """The MIME type the content itself shows (None when unrecognised)."""
    guessed = filetype.guess(bytes(content[:SNIFF_BYTES]))
    return str(guessed.mime) if guessed is not None else None


def evidence_type(content: bytes) -> EvidenceType | None:
    """The allowed evidence type of this content, or None."""
    mime = sniff(content)
    return ALLOWED_TYPES.get(mime) if mime else None


def read_budget(head: bytes, limits: EvidenceLimits) -> int:
    """How many bytes of an upload beginning with `head` are worth reading: one past its kind's limit,
    so an oversized file is recognised without reading it whole; an unknown type needs only its head."""
    found = evidence_type(head)
    return limits.max_bytes(found.kind) + 1 if found else len(head)


def _megabytes(size: int) -> str:
    return f"{size / MB:.0f} MB" if size % MB == 0 else f"{size / MB:.1f} MB"


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str, found: EvidenceType) -> str:
    """The name without any folder part or odd characters, ending with the extension of its real type."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = _UNSAFE.sub("_", stem).strip("._-")[:80] or found.kind.value
    return f"{stem}.{found.extension}"


def _display(name: str) -> str:
    shown = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "(no name)"
    return shown if len(shown) <= 80 else shown[:77] + "..."


def check_file(name: str, content: bytes, limits: EvidenceLimits) -> EvidenceFile:
    """Accept one file: an allowed type by its content, within its kind's size limit."""
    shown = _display(name)
    if not content:
        raise InvalidInput(f"evidence file '{shown}' is empty", field=FIELD)
    mime = sniff(content)
    found = ALLOWED_TYPES.get(mime) if mime else None
    if found is None:
        what = f"its content is {mime}" if mime else "its content is not a recognised photo or video"
        raise InvalidInput(f"evidence file '{shown}' is not {ALLOWED_TEXT} ({what}; the type is checked by "
                           "the content, not the name)", field=FIELD)
    limit = limits.max_bytes(found.kind)
    if len(content) > limit:
        raise InvalidInput(f"evidence file '{shown}' is larger than the {_megabytes(limit)} a {found.kind.value} "
                           "may be", field=FIELD)
    return EvidenceFile(safe_file_name(name, found), found, bytes(content))


def check_evidence(files: Sequence[tuple[str, bytes]], limits: EvidenceLimits, *,
                   required: bool) -> list[EvidenceFile]:
    """Accept every file or none: the count limit, at least one when `required`, then each file."""
    if len(files) > limits.max_files:
        raise InvalidInput(f"at most {limits.max_files} evidence files can be attached; {len(files)} were sent",
                           field=FIELD)
    if required and not files:
        raise InvalidInput(f"this reason needs evidence: attach at least one photo or video ({ALLOWED_TEXT})",
                           field=FIELD)
    return [check_file(name, content, limits) for name, content in files]
