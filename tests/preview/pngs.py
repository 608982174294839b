"""Just enough PNG reading for the tests: size and pixels of Chromium's 8-bit RGB(A) output."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    rows: list[bytes]  # unfiltered, `channels` bytes per pixel
    channels: int

    def mean_luminance(self, first_rows: int | None = None) -> float:
        """Average of 0.2126 R + 0.7152 G + 0.0722 B over the picture (0 black, 255 white)."""
        total = 0.0
        count = 0
        for row in self.rows[:first_rows]:
            for x in range(0, len(row), self.channels):
                r, g, b = row[x], row[x + 1], row[x + 2]
                total += 0.2126 * r + 0.7152 * g + 0.0722 * b
                count += 1
        return total / count


def read_png(data: bytes, max_rows: int | None = None) -> Png:
    """Size of the whole picture; pixels of its first `max_rows` rows (all by default)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, "unexpected PNG kind"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(min(height, max_rows if max_rows is not None else height)):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    return Png(width, height, rows, channels)
