"""SVG helpers of the extension: plain text and paths, no Sphinx needed.

>>> with_intrinsic_size('<svg width="100%" viewBox="0 0 62 44"><g/></svg>')
'<svg width="62pt" height="44pt" viewBox="0 0 62 44"><g/></svg>'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def with_intrinsic_size(svg: str) -> str:
    """Give the ``<svg>`` element a width and height in points taken from its viewBox.

    A responsive SVG (``width="100%"``) has no size of its own, so in an ``<img>`` the browser
    would stretch it to the column's width; with its natural size small graphs stay small and
    their text keeps Graphviz's font size.
    """
    match = re.search(r"<svg\b[^>]*>", svg)
    if match is None:
        return svg
    tag = match.group(0)
    box = re.search(r'viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)\s*"', tag)
    if box is None or re.search(r'\swidth="[\d.]+(pt|px)?"', tag):
        return svg
    width, height = box.groups()
    new_tag = re.sub(r'\s(width|height|style)="[^"]*"', "", tag)
    new_tag = new_tag.replace("<svg", f'<svg width="{width}pt" height="{height}pt"', 1)
    return svg[: match.start()] + new_tag + svg[match.end():]


def find_svg(written: Any, target: Path) -> Path | None:
    """The SVG that ``render`` wrote: from its return value, else at ``target``."""
    candidates: list[Any] = []
    if isinstance(written, (str, Path)):
        candidates.append(written)
    elif isinstance(written, (list, tuple)):
        candidates.extend(written)
    elif isinstance(written, dict):
        candidates.extend(written.values())
    candidates += [target, target.with_suffix(".svg"), Path(str(target) + ".svg")]
    for candidate in candidates:
        path = Path(candidate)
        if path.suffix == ".svg" and path.is_file():
            return path
    return None
