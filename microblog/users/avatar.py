"""Deterministic avatars: a symmetric 5x5 pattern in a colour derived from the username."""

from __future__ import annotations

import hashlib


def avatar_svg(seed: str, size: int) -> str:
    """An SVG image, the same for the same seed on every machine."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    cells = []
    bits = int.from_bytes(digest[2:6], "big")
    for row in range(5):
        for col in range(3):
            if bits >> (row * 3 + col) & 1:
                cells.append((col, row))
                if col < 2:
                    cells.append((4 - col, row))
    rects = "".join(f'<rect x="{x + 1}" y="{y + 1}" width="1" height="1"/>' for x, y in cells)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 7 7" '
        'aria-hidden="true">'
        f'<rect width="7" height="7" fill="hsl({hue},35%,92%)"/>'
        f'<g fill="hsl({hue},55%,42%)">{rects}</g></svg>'
    )
