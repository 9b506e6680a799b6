#!/usr/bin/env python3
"""Generate the PWA icons and favicon for P2P Texting.

Pure standard library (zlib + struct) so it runs anywhere without PIL.
Draws a white speech bubble (with three teal "typing" dots) on deep teal
#0f766e. Shapes are described as signed distance functions, and coverage
is derived from the distance, which gives anti-aliased edges with one
evaluation per pixel (fast enough in pure Python for 512x512).

Usage (from the repository root):  python3 scripts/make_icons.py
Output is deterministic, so re-running produces byte-identical files.
"""

import math
import os
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PUBLIC = os.path.join(ROOT, "public")

TEAL = (0x0F, 0x76, 0x6E)
WHITE = (0xFF, 0xFF, 0xFF)


# --- signed distance functions (negative inside), in unit coordinates ---

def sd_round_rect(x, y, cx, cy, hw, hh, r):
    qx = abs(x - cx) - hw + r
    qy = abs(y - cy) - hh + r
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - r


def sd_circle(x, y, cx, cy, r):
    return math.hypot(x - cx, y - cy) - r


def sd_triangle(x, y, a, b, c):
    # Exact distance to a triangle (after Inigo Quilez's polygon SDF).
    pts = (a, b, c)
    d = float("inf")
    sign = 1.0
    for i in range(3):
        (ax, ay), (bx, by) = pts[i], pts[i - 1]
        ex, ey = bx - ax, by - ay
        wx, wy = x - ax, y - ay
        t = max(0.0, min(1.0, (wx * ex + wy * ey) / (ex * ex + ey * ey)))
        d = min(d, math.hypot(wx - ex * t, wy - ey * t))
        c1 = y >= ay
        c2 = y < by
        c3 = ex * wy > ey * wx
        if (c1 and c2 and c3) or (not c1 and not c2 and not c3):
            sign = -sign
    return sign * d


def smin(a, b, k):
    # Smooth union, so the tail blends into the bubble instead of a hard seam.
    h = max(k - abs(a - b), 0.0) / k
    return min(a, b) - h * h * k * 0.25


def bubble(x, y, dots):
    """Distance to the white area: bubble body + tail, minus the dots."""
    body = sd_round_rect(x, y, 0.5, 0.45, 0.29, 0.20, 0.12)
    tail = sd_triangle(x, y, (0.30, 0.56), (0.46, 0.62), (0.25, 0.80))
    d = smin(body, tail, 0.04)
    if dots:
        for cx in (0.37, 0.5, 0.63):
            d = max(d, -sd_circle(x, y, cx, 0.45, 0.045))  # subtract
    return d


def coverage(dist_units, size):
    # Distance in pixels -> fraction of the pixel covered (1px AA ramp), in 16 steps: a
    # one-pixel edge shows no difference, and the few colours that leave fit a palette.
    return round(max(0.0, min(1.0, 0.5 - dist_units * size)) * 15) / 15


def render(size, *, scale=1.0, bg_radius=0.0, dots=True):
    """Return RGBA rows.

    scale     shrinks the artwork around the centre (maskable safe zone).
    bg_radius corner radius of the teal square as a fraction of size;
              0 = full bleed (for maskable / Apple, which apply their own mask).
    """
    rows = []
    for py in range(size):
        row = bytearray()
        y = (py + 0.5) / size
        for px in range(size):
            x = (px + 0.5) / size
            if bg_radius > 0:
                a = coverage(sd_round_rect(x, y, 0.5, 0.5, 0.5, 0.5, bg_radius), size)
            else:
                a = 1.0
            # Map into artwork space; distances scale back by `scale`.
            ux = 0.5 + (x - 0.5) / scale
            uy = 0.5 + (y - 0.5) / scale
            w = coverage(bubble(ux, uy, dots) * scale, size)
            rgb = [round(t + (h - t) * w) for t, h in zip(TEAL, WHITE)]
            row += bytes(rgb) + bytes([round(a * 255)])
        rows.append(bytes(row))
    return rows


def png_bytes(size, rows):
    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    # Two colours and their anti-aliased blends are far fewer than 256, so an indexed image
    # (one byte a pixel, alpha in tRNS) holds the same pixels in a quarter of the bytes; the
    # icons are part of a volunteer's first download.
    pixels = [[r[i:i + 4] for i in range(0, len(r), 4)] for r in rows]
    palette = sorted({p for row in pixels for p in row})
    if len(palette) <= 256:
        index = {p: i for i, p in enumerate(palette)}
        ihdr = struct.pack(">IIBBBBB", size, size, 8, 3, 0, 0, 0)  # 8-bit indexed
        raw = b"".join(b"\x00" + bytes(index[p] for p in row) for row in pixels)
        plte = b"".join(p[:3] for p in palette)
        alphas = bytes(p[3] for p in palette).rstrip(b"\xff")
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"PLTE", plte)
                + (chunk(b"tRNS", alphas) if alphas else b"")
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 per scanline
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def ico_bytes(pngs):
    # ICO container with embedded PNGs (supported by all current browsers).
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, data in pngs:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32,
                               len(data), offset)
        offset += len(data)
        blobs += data
    return header + entries + blobs


def write(path, data):
    path = os.path.join(PUBLIC, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(data)} bytes)")


def main():
    for size in (192, 512):
        write(f"icons/icon-{size}.png",
              png_bytes(size, render(size, bg_radius=0.22)))
    # Maskable: full-bleed background, artwork inside the central 80% circle
    # (the bubble's farthest point is ~0.39 of size from centre at scale 1;
    # 0.8 brings it to ~0.31, comfortably inside the 0.40 safe radius).
    write("icons/icon-maskable-512.png",
          png_bytes(512, render(512, scale=0.8)))
    # iOS ignores transparency (renders it black) and rounds corners itself.
    write("icons/apple-touch-icon.png",
          png_bytes(180, render(180, scale=0.9)))
    # Dots turn to mush at 16px; keep only the bubble there.
    write("favicon.ico", ico_bytes([
        (16, png_bytes(16, render(16, bg_radius=0.2, dots=False))),
        (32, png_bytes(32, render(32, bg_radius=0.2))),
        (48, png_bytes(48, render(48, bg_radius=0.2))),
    ]))


if __name__ == "__main__":
    main()
