"""Genuine evidence files built in memory: a real PNG image, and MP4 / MOV / WebP containers by the book."""

from __future__ import annotations

import struct
import zlib


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (200, 30, 30), padding: int = 0) -> bytes:
    """A valid RGB PNG (signature, IHDR, zlib-compressed IDAT, IEND, every CRC right); `padding` adds a
    text chunk of that many bytes, for files of a chosen size."""
    row = b"\x00" + bytes(rgb) * width  # filter byte 0, then the pixels
    chunks = [_png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
              _png_chunk(b"IDAT", zlib.compress(row * height))]
    if padding:
        chunks.append(_png_chunk(b"tEXt", b"Comment\x00" + b"x" * padding))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks) + _png_chunk(b"IEND", b"")


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(size: int = 4096) -> bytes:
    """An ISO base media file: an `ftyp` box (brand isom) then an `mdat` box of `size` bytes."""
    return _box(b"ftyp", b"isom" + b"\x00\x00\x02\x00" + b"isomiso2mp41") + _box(b"mdat", b"\x00" * size)


def mov(size: int = 4096) -> bytes:
    """A QuickTime movie: an `ftyp` box with the `qt  ` brand, then media data."""
    return _box(b"ftyp", b"qt  " + b"\x00\x00\x02\x00" + b"qt  ") + _box(b"mdat", b"\x00" * size)


def webp() -> bytes:
    """A RIFF WebP container with a lossless chunk header."""
    body = b"WEBP" + b"VP8L" + struct.pack("<I", 10) + b"\x2f" + b"\x00" * 9
    return b"RIFF" + struct.pack("<I", len(body)) + body


HTML = b"<!doctype html><html><body><script>alert('not a photo')</script></body></html>"
