"""Text and colours for the graph drawing: summaries of arrays, safe labels, the palette.

Everything here is pure formatting (no Graphviz calls), so the drawing (``graph.py``)
and the text view (``text.py``) describe tensors the same way.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

# Fill colours by role of a value node and by family of an op node. Soft colours keep
# black text readable; the legend in the drawing is built from these same tables.
ROLE_COLOURS = {
    "parameter": "#fde4b8",  # trainable: what the optimizer changes
    "input": "#d6e9f8",  # data and constants: leaves without a gradient
    "output": "#d3f0d0",  # the roots asked for (usually the loss)
    "intermediate": "#ffffff",
}
FAMILY_COLOURS = {
    "arithmetic": "#eeeeee",
    "activation": "#f6d0e4",
    "reduction": "#e2d6f3",
    "shape": "#f3f0cf",
    "matmul": "#cfe8e6",
    "loss": "#fbe3cf",
    "custom": "#e8e8e8",
}
COLLAPSED_COLOUR = "#f1e9dc"
DEAD_UNIT_COLOUR = "#f4a6a6"  # a ReLU with units that never fire on the batch
ZERO_GRAD_COLOUR = "#767676"  # grey with a contrast of 4.5:1 on white
# Edge colours for gradient magnitude, small to large (grad_flow view): cool to warm, each with
# a contrast of at least 4.5:1 on white, so that even the thinnest arrow stays visible.
GRAD_COLOURS = ("#4575b4", "#7b3294", "#c2410c", "#b2182b", "#67001f")



def fmt(x: float) -> str:
    """A number in at most 4 significant digits.

    >>> fmt(3.14159), fmt(-0.0), fmt(1e-7), fmt(float("nan"))
    ('3.142', '0', '1e-07', 'nan')
    """
    x = float(x)
    if x == 0:
        return "0"  # also turns -0.0 into 0: the sign of zero only confuses a picture
    return f"{x:.4g}"


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as Python writes it: ``(20, 1)``, ``(3,)``, ``()``.

    >>> shape_text((20, 1)), shape_text((3,)), shape_text(())
    ('(20, 1)', '(3,)', '()')
    """
    return str(tuple(int(n) for n in shape))


def array_summary(array: np.ndarray, max_entries: int = 4) -> str:
    """A short description of an array's values: the entries if few, else mean and range.

    >>> array_summary(np.array(2.5))
    '2.5'
    >>> array_summary(np.array([1.0, -2.0]))
    '[1, -2]'
    >>> array_summary(np.arange(10.0))
    'mean 4.5, range [0, 9]'
    """
    array = np.asarray(array)
    if array.size == 0:
        return "empty"
    if array.dtype.kind not in "fiub":
        return f"{array.dtype} values"
    flat = array.reshape(-1)
    if array.ndim == 0:
        return fmt(flat[0])
    if array.size <= max_entries:
        return "[" + ", ".join(fmt(v) for v in flat) + "]"
    finite = flat[np.isfinite(flat)]
    if finite.size == 0:
        return "no finite values"
    mean, low, high = finite.mean(), finite.min(), finite.max()
    if abs(mean) <= 1e-12 * max(abs(low), abs(high)):
        mean = 0.0  # rounding noise of a mean that is zero (symmetric data), not a value worth showing
    text = f"mean {fmt(mean)}, range [{fmt(low)}, {fmt(high)}]"
    if finite.size < flat.size:
        text += f", {flat.size - finite.size} nan/inf"
    return text


def grad_summary(grad: np.ndarray) -> str:
    """A gradient: its entries if few, else its norm and range.

    >>> grad_summary(np.array([0.5, -1.0]))
    '[0.5, -1]'
    >>> grad_summary(np.full(9, 2.0))
    'norm 6, range [2, 2]'
    """
    grad = np.asarray(grad)
    if grad.size <= 4:
        return array_summary(grad)
    finite = grad[np.isfinite(grad)]
    if finite.size == 0:
        return "no finite values"
    return f"norm {fmt(np.linalg.norm(finite))}, range [{fmt(finite.min())}, {fmt(finite.max())}]"


# Characters that cannot appear in a picture's text: control characters (a NUL ends the
# string the renderer reads, and DOT parsers refuse most others) and lone surrogates (not
# encodable as UTF-8). Each is shown as its Python escape instead, e.g. ``\x00``.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape_unprintable(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clean_text(text: Any, limit: int = 60) -> str:
    r"""User text made one printable line of bounded length (for the drawing and the text view).

    Line breaks and tabs become spaces; other control characters (such as a NUL byte) are
    shown as their Python escape, so the text never breaks the DOT parser.

    >>> clean_text("a\nb" + "c" * 80, limit=8)
    'a bcccc…'
    >>> print(clean_text("w\x00\x1b[1m"))
    w\x00\x1b[1m
    """
    text = str(text).replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")
    text = _UNPRINTABLE.sub(_escape_unprintable, text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def dot_text(text: Any, limit: int = 60) -> str:
    r"""User text for a plain (non-record) Graphviz label: ``clean_text`` with backslashes escaped.

    A lone backslash starts an escape sequence in Graphviz labels (``\N`` becomes the
    node's id, one before the closing quote breaks the DOT file); ``\\`` shows one
    backslash, in the system Graphviz and the in-process renderer alike. Quotes are
    escaped by the ``graphviz`` package when it quotes the label.

    >>> print(dot_text(r"C:\new\N"))
    C:\\new\\N
    """
    return clean_text(text, limit).replace("\\", "\\\\")


def record_field(text: Any, limit: int = 60) -> str:
    r"""Text for one field of a ``shape=record`` label, with the record syntax escaped.

    ``{ } | < >`` split fields and name ports in records, quotes end the DOT string
    and a backslash starts an escape: each gets a backslash in front.

    >>> print(record_field(r'w{0}|<b> "q" C:\x'))
    w\{0\}\|\<b\> \"q\" C:\\x
    """
    text = clean_text(text, limit).replace("\\", "\\\\")
    for char in '{}|<>"':
        text = text.replace(char, "\\" + char)
    return text


def record_label(fields: list[str], vertical: bool) -> str:
    """Join already escaped fields into a record label, stacked top to bottom when ``vertical``.

    In a record, ``a|b`` runs across the rank direction: with ``rankdir=LR`` that is
    top to bottom, with ``TB`` left to right. Braces flip it.
    """
    body = "|".join(fields)
    return body if vertical else "{" + body + "}"


def module_label(module: Any, path: str | None = None) -> str:
    """How a module call is titled in the drawing: ``"0: Linear(1→20)"``.

    Built from the module's ``path`` (its dotted name in the outermost module, ``""`` for
    that one; by default its ``_path`` attribute if it has one), its class name, and its size: ``in_features``/``out_features`` when it
    has them, else a shortened ``extra_repr()``.

    >>> class Linear:
    ...     _path, in_features, out_features = "layers.0", 1, 20
    >>> module_label(Linear())
    'layers.0: Linear(1→20)'
    """
    kind = type(module).__name__
    in_features, out_features = getattr(module, "in_features", None), getattr(module, "out_features", None)
    if isinstance(in_features, (int, np.integer)) and isinstance(out_features, (int, np.integer)):
        detail = f"({in_features}→{out_features})"
    else:
        detail = ""
        extra_repr = getattr(module, "extra_repr", None)
        if callable(extra_repr):
            try:
                extra = str(extra_repr())
            except Exception:  # a user's extra_repr must not break a drawing
                extra = ""
            if extra:
                detail = f"({clean_text(extra, 40)})"
    path = getattr(module, "_path", None) if path is None else path
    title = f"{kind}{detail}"
    return clean_text(f"{path}: {title}" if path else title, 80)


def grad_colour(level: float) -> str:
    """Edge colour for a gradient magnitude ``level`` in [0, 1] (relative, log scale)."""
    index = min(int(level * len(GRAD_COLOURS)), len(GRAD_COLOURS) - 1)
    return GRAD_COLOURS[max(index, 0)]
