"""The run's and the world's SVG pictures drawn to pixels with Pillow, for ``--plot
run.png`` and ``robokit worlds --show NAME -o world.png``.

:func:`rasterize` draws the SVG that :func:`robokit.sim.plot_svg.svg_text` (and
:func:`robokit.sim.worldplot_svg.world_svg`) writes, and only the part of SVG those
writers use, as an RGB :class:`PIL.Image.Image`: ``svg``, ``title``, ``g``
(``transform``: ``matrix``, ``translate``, ``rotate``; ``clip-path`` to a ``clipPath`` of
one ``rect``), ``rect`` (``rx``, ``transform``), ``circle``, ``polygon``, ``polyline``,
``path`` (``M L H V h v Z``) and ``text`` (``font-size``, ``text-anchor``, ``font-weight``
normal or bold, turned by its ``transform``), with ``#rrggbb`` fills and strokes, their
opacities, round caps and joins and dashes.  An element or attribute outside that subset
raises :class:`SvgSubsetError` (``id``, ``class`` and ``data-*`` carry no drawing and are
skipped), so a change to the writer that this module does not draw fails its tests
instead of drawing a wrong picture.

Why it exists: a PNG drawn by matplotlib costs more CPU than the plot's budget (issue 12:
the simulation's time + 150 ms) in its import alone, and a general SVG renderer (resvg-py)
measured 150-200 ms.  This draws the picture at :data:`SCALE` times its size with
Pillow's plain shapes (lines, polygons, ellipses, TrueType text) and shrinks it by
averaging (:meth:`~PIL.Image.Image.reduce`): the anti-aliasing.  Opacity is Pillow's
blending (an ``"RGBA"`` draw on the RGB canvas); a clip is an axis-aligned rectangle of
pixels, drawn into a crop of the canvas that is pasted back.  Fills follow Pillow's
even-odd rule: the writer asks for it where a shape may cross itself, and its other
filled shapes (boxes, markers) do not.  Transforms keep shapes (no shear or stretch).
The text is DejaVu Sans (whose widths :mod:`robokit.sim.svgdraw` lays the picture out
with; DejaVu Sans Bold for bold), from matplotlib's installed fonts without importing
matplotlib; without them, Pillow's own font.  The line follower's picture takes ~45 ms
of CPU at 2x (at 3x, ~30 ms more for little to see).
"""

from __future__ import annotations

import importlib.util
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

__all__ = ["SCALE", "SvgSubsetError", "font_path", "rasterize"]

#: The picture is drawn this many times larger, then shrunk by averaging: anti-aliasing.
SCALE = 2

_NS = "{http://www.w3.org/2000/svg}"
#: An affine map (a, b, c, d, e, f): x' = a x + c y + e, y' = b x + d y + f.
Matrix = tuple[float, float, float, float, float, float]
_PAINT = {"fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
          "stroke-linecap", "stroke-linejoin", "stroke-dasharray", "transform"}
#: The attributes each element may have (besides id, class and data-*).
_ATTRS: dict[str, set[str]] = {
    "svg": {"width", "height", "viewBox", "font-family"},
    "title": set(),
    "g": {"transform", "clip-path"},
    "clipPath": set(),
    "rect": _PAINT | {"x", "y", "width", "height", "rx"},
    "circle": _PAINT | {"cx", "cy", "r"},
    "polygon": _PAINT | {"points"},
    "polyline": _PAINT | {"points"},
    "path": _PAINT | {"d"},
    "text": {"x", "y", "font-size", "text-anchor", "font-weight", "fill", "transform"},
}
_CHOICES = {"stroke-linecap": ("butt", "round"), "stroke-linejoin": ("miter", "round"),
            "fill-rule": ("nonzero", "evenodd"), "text-anchor": ("start", "middle", "end"),
            "font-weight": ("normal", "bold")}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NUM_RE = re.compile(_NUMBER)
_COMMAND_RE = re.compile(r"([A-DF-KM-Za-df-z])")  # not e, E (exponents), not L
_TRANSFORM_RE = re.compile(r"\s*(\w+)\s*\(([^)]*)\)\s*")
_HEX_RE = re.compile(r"#[0-9a-fA-F]{6}")


class SvgSubsetError(ValueError):
    """The SVG uses an element, attribute or value this module does not draw."""


def font_path(bold: bool = False) -> Path | None:
    """DejaVu Sans (its bold face for ``bold``) from matplotlib's installed fonts
    (matplotlib is not imported), or None."""
    try:
        spec = importlib.util.find_spec("matplotlib")
    except (ImportError, ValueError):  # a broken install, a module without its spec
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = (Path(folder) / "mpl-data" / "fonts" / "ttf"
                / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"))
        if path.is_file():
            return path
    return None


def rasterize(svg: str, scale: int = SCALE) -> Any:
    """The RGB picture (a :class:`PIL.Image.Image` of the SVG's width by height pixels) of
    ``svg``, drawn at ``scale`` times the size and shrunk.  SvgSubsetError for an element,
    attribute or value outside the subset :func:`robokit.sim.plot_svg.svg_text` writes."""
    from PIL import Image

    root = ET.fromstring(svg)
    if _tag(root) != "svg":
        raise SvgSubsetError(f"the root element is <{_tag(root)}>, not <svg>")
    _check(root)
    width, height = round(_num(root, "width")), round(_num(root, "height"))
    view = [float(v) for v in _NUM_RE.findall(root.get("viewBox", f"0 0 {width} {height}"))]
    if len(view) != 4 or view[2] <= 0 or view[3] <= 0:
        raise SvgSubsetError(f"viewBox {root.get('viewBox')!r}: four numbers, a positive size")
    sx, sy = width / view[2] * scale, height / view[3] * scale
    img = Image.new("RGB", (width * scale, height * scale), "#ffffff")
    painter = _Painter(root)
    painter.children(root, img, (sx, 0.0, 0.0, sy, -view[0] * sx, -view[1] * sy))
    return img.reduce(scale) if scale > 1 else img


def _tag(el: ET.Element) -> str:
    if not el.tag.startswith(_NS):
        raise SvgSubsetError(f"<{el.tag}>: not an SVG element")
    return el.tag[len(_NS):]


def _check(root: ET.Element) -> None:
    """Every element and attribute in the subset, every value of a closed set known."""
    for el in root.iter():
        tag = _tag(el)
        known = _ATTRS.get(tag)
        if known is None:
            raise SvgSubsetError(f"<{tag}>: an element this picture never has")
        for name, value in el.attrib.items():
            if name in ("id", "class") or name.startswith("data-"):
                continue
            if name not in known:
                raise SvgSubsetError(f"<{tag} {name}=...>: an attribute not drawn")
            if value not in _CHOICES.get(name, (value,)):
                raise SvgSubsetError(f"<{tag} {name}={value!r}>: not one of {_CHOICES[name]}")
        if tag != "text" and tag != "title" and (el.text or "").strip():
            raise SvgSubsetError(f"<{tag}>: text outside a <text> or <title>")
        if tag in ("text", "title") and len(el):
            raise SvgSubsetError(f"<{tag}>: elements inside it")


def _num(el: ET.Element, name: str, default: float | None = None) -> float:
    value = el.get(name)
    if value is None:
        if default is None:
            raise SvgSubsetError(f"<{_tag(el)}>: no {name}")
        return default
    try:
        return float(value)
    except ValueError:
        raise SvgSubsetError(f"<{_tag(el)} {name}={value!r}>: not a number") from None


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """The map ``m`` after ``n``."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + c * q, b * p + d * q, a * r + c * s, b * r + d * s,
            a * t + c * u + e, b * t + d * u + f)


def _transform(el: ET.Element, ctm: Matrix) -> Matrix:
    """``ctm`` followed by the element's own ``transform`` (applied first)."""
    value = el.get("transform")
    if value is None:
        return ctm
    pos = 0
    while pos < len(value):
        m = _TRANSFORM_RE.match(value, pos)
        if m is None:
            raise SvgSubsetError(f"transform={value!r}: not matrix/translate/rotate(...)")
        name, args = m.group(1), [float(v) for v in _NUM_RE.findall(m.group(2))]
        if name == "matrix" and len(args) == 6:
            ctm = _mul(ctm, (args[0], args[1], args[2], args[3], args[4], args[5]))
        elif name == "translate" and len(args) in (1, 2):
            ctm = _mul(ctm, (1.0, 0.0, 0.0, 1.0, args[0], args[1] if len(args) == 2 else 0.0))
        elif name == "rotate" and len(args) in (1, 3):
            cx, cy = (args[1], args[2]) if len(args) == 3 else (0.0, 0.0)
            co, si = math.cos(math.radians(args[0])), math.sin(math.radians(args[0]))
            ctm = _mul(ctm, (co, si, -si, co, cx - co * cx + si * cy, cy - si * cx - co * cy))
        else:
            raise SvgSubsetError(f"transform={value!r}: {name}() with {len(args)} numbers")
        pos = m.end()
    return ctm


def _scale_of(ctm: Matrix) -> float:
    """How much the map enlarges lengths (a map that keeps shapes: no shear, no stretch)."""
    a, b, c, d = ctm[:4]
    if abs(a * a + b * b - c * c - d * d) > 1e-6 * (a * a + b * b) or abs(a * c + b * d) > 1e-6 * (
            a * a + b * b):
        raise SvgSubsetError(f"a transform that stretches or shears: {ctm[:4]}")
    return math.hypot(a, b)


def _apply(ctm: Matrix, pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    a, b, c, d, e, f = ctm
    return [(a * x + c * y + e, b * x + d * y + f) for x, y in pts]


def _colour(el: ET.Element, name: str, default: str, opacity: str) -> tuple[int, ...] | None:
    """The element's fill or stroke as RGB(A) (A only when translucent), None for none."""
    value = el.get(name, default)
    if value == "none":
        return None
    if not _HEX_RE.fullmatch(value):
        raise SvgSubsetError(f'<{_tag(el)} {name}="{value}">: a colour is #rrggbb or none')
    rgb = (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
    alpha = _num(el, opacity, 1.0)
    return rgb if alpha >= 1.0 else (*rgb, max(0, round(255 * alpha)))


def _points(el: ET.Element) -> list[tuple[float, float]]:
    vals = [float(v) for v in _NUM_RE.findall(el.get("points", ""))]
    if len(vals) % 2:
        raise SvgSubsetError(f"<{_tag(el)} points=...>: an odd count of numbers")
    return list(zip(vals[0::2], vals[1::2], strict=True))


def _subpaths(d: str) -> list[tuple[list[tuple[float, float]], bool]]:
    """Path data of the commands M L H V h v Z: its pieces of two points or more, as
    (points, closed).  The data is split at each command but L: ``M x yL x y...`` (a
    long line) is read at once."""
    out: list[tuple[list[tuple[float, float]], bool]] = []
    parts = _COMMAND_RE.split(d)
    if parts[0].strip() or (len(parts) > 1 and parts[1] != "M"):
        raise SvgSubsetError(f"path data {d[:40]!r}: does not start with M")
    for cmd, args in zip(parts[1::2], parts[2::2], strict=True):
        head, lines, tail = args.partition("L")
        vals = [float(v) for v in _NUM_RE.findall(head)]
        pairs: list[float] = []
        if cmd == "M":
            out.append(([], False))
            pairs = vals
        pts = out[-1][0]
        if cmd == "Z" and not vals and pts:
            out[-1] = (pts, True)
            out.append(([pts[0]], False))  # what follows starts where the piece began
        elif cmd in "HVhv" and vals and pts:
            x, y = pts[-1]
            for v in vals:
                x, y = {"H": (v, y), "V": (x, v), "h": (x + v, y), "v": (x, y + v)}[cmd]
                pts.append((x, y))
        elif cmd != "M":
            raise SvgSubsetError(f"path data {d[:40]!r}: {cmd!r} with {head.strip()!r}: not "
                                 "M, L, H, V, h, v or Z with its numbers")
        if lines:  # L x y ...: the rest are absolute pairs
            pairs = pairs + [float(v) for v in _NUM_RE.findall(tail)]
        if len(pairs) % 2 or (cmd == "M" and not pairs):
            raise SvgSubsetError(f"path data {d[:40]!r}: M or L with an odd count of numbers")
        pts.extend(zip(pairs[0::2], pairs[1::2], strict=True))
    return [(pts, closed) for pts, closed in out if len(pts) > 1]


def _dashes(pts: list[tuple[float, float]], pattern: list[float]
            ) -> list[list[tuple[float, float]]]:
    """The pieces of the line through ``pts`` that a dash pattern (device px) draws."""
    out: list[list[tuple[float, float]]] = []
    k, left, on = 0, pattern[0], True
    piece = [pts[0]]
    for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:], strict=True):
        seg = math.hypot(x1 - x0, y1 - y0)
        pos = 0.0
        while seg - pos > left:
            pos += left
            p = (x0 + (x1 - x0) * pos / seg, y0 + (y1 - y0) * pos / seg)
            if on:
                out.append([*piece, p])
            piece = [p]
            on = not on
            k = (k + 1) % len(pattern)
            left = pattern[k]
        left -= seg - pos
        piece.append((x1, y1))
    if on and len(piece) > 1:
        out.append(piece)
    return out


class _Draws:
    """Two ways to draw on one image: opaque colours replace pixels, translucent ones
    (RGBA) blend with them (slower: only where needed)."""

    def __init__(self, solid: Any, blend: Any) -> None:
        self.solid, self.blend = solid, blend

    def __call__(self, colour: tuple[int, ...]) -> Any:
        return self.blend if len(colour) == 4 else self.solid


class _Painter:
    """Draws elements onto an image; fonts and clip rectangles are found once per picture."""

    def __init__(self, root: ET.Element) -> None:
        from PIL import ImageDraw, ImageFont

        self._draw_mod, self._font_mod = ImageDraw, ImageFont
        self._font_files: dict[bool, Path | None] = {False: font_path()}
        self._fonts: dict[tuple[float, bool], Any] = {}
        self._clips: dict[str, ET.Element] = {}
        for clip in root.iter(_NS + "clipPath"):
            rects = list(clip)
            if len(rects) != 1 or _tag(rects[0]) != "rect" or "id" not in clip.attrib:
                raise SvgSubsetError("<clipPath>: one <rect> and an id")
            self._clips[clip.attrib["id"]] = rects[0]

    def children(self, parent: ET.Element, img: Any, ctm: Matrix) -> None:
        draw = _Draws(self._draw_mod.Draw(img), self._draw_mod.Draw(img, "RGBA"))
        for el in parent:
            tag = _tag(el)
            if tag == "g":
                self.group(el, img, _transform(el, ctm))
            elif tag == "text":
                self.text(el, img, draw, _transform(el, ctm))
            elif tag not in ("title", "clipPath"):
                self.shape(el, tag, draw, _transform(el, ctm))

    def group(self, el: ET.Element, img: Any, ctm: Matrix) -> None:
        ref = el.get("clip-path")
        if ref is None:
            self.children(el, img, ctm)
            return
        m = re.fullmatch(r"url\(#([^)]+)\)", ref)
        rect = self._clips.get(m.group(1)) if m else None
        if rect is None:
            raise SvgSubsetError(f'<g clip-path="{ref}">: no such clipPath')
        rm = _transform(rect, ctm)
        if abs(rm[1]) > 1e-9 or abs(rm[2]) > 1e-9:
            raise SvgSubsetError(f'<g clip-path="{ref}">: a clip rectangle that is turned')
        x, y = _num(rect, "x", 0.0), _num(rect, "y", 0.0)
        corners = _apply(rm, [(x, y), (x + _num(rect, "width"), y + _num(rect, "height"))])
        box = (max(0, round(min(p[0] for p in corners))), max(0, round(min(p[1] for p in corners))),
               min(img.width, round(max(p[0] for p in corners))),
               min(img.height, round(max(p[1] for p in corners))))
        if box[2] <= box[0] or box[3] <= box[1]:
            return
        layer = img.crop(box)
        self.children(el, layer, _mul((1.0, 0.0, 0.0, 1.0, -box[0], -box[1]), ctm))
        img.paste(layer, box[:2])

    def shape(self, el: ET.Element, tag: str, draw: _Draws, ctm: Matrix) -> None:
        fill = _colour(el, "fill", "#000000", "fill-opacity")
        stroke = _colour(el, "stroke", "none", "stroke-opacity")
        scale = _scale_of(ctm)
        width = _num(el, "stroke-width", 1.0) * scale
        if tag == "circle":
            (cx, cy), = _apply(ctm, [(_num(el, "cx", 0.0), _num(el, "cy", 0.0))])
            r = _num(el, "r") * scale
            if fill:
                draw(fill).ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
            if stroke and width > 0:
                lw, ink = max(1, round(width)), self._thin(stroke, width)
                r += lw / 2
                draw(ink).ellipse((cx - r, cy - r, cx + r, cy + r), outline=ink, width=lw)
            return
        if tag == "rect":
            x, y, w, h = (_num(el, "x", 0.0), _num(el, "y", 0.0), _num(el, "width"),
                          _num(el, "height"))
            rx = _num(el, "rx", 0.0) * scale
            if abs(ctm[1]) < 1e-9 and abs(ctm[2]) < 1e-9:
                self.box(draw, _apply(ctm, [(x, y), (x + w, y + h)]), rx, fill, stroke, width)
                return
            pieces = [([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], True)]
        elif tag == "path":
            pieces = _subpaths(el.get("d", ""))
        else:
            pieces = [(_points(el), tag == "polygon")]
        pieces = [(_apply(ctm, pts), closed) for pts, closed in pieces if pts]
        if fill:
            for pts, _closed in pieces:
                if len(pts) > 2:
                    draw(fill).polygon(pts, fill=fill)
        if stroke and width > 0:
            dash = [float(v) * scale for v in _NUM_RE.findall(el.get("stroke-dasharray", ""))]
            for pts, closed in pieces:
                self.stroke(draw, pts + pts[:1] if closed else pts, stroke, width, el, closed,
                            dash)

    def box(self, draw: _Draws, corners: list[tuple[float, float]], rx: float,
            fill: tuple[int, ...] | None, stroke: tuple[int, ...] | None,
            width: float) -> None:
        """An axis-aligned rectangle, its corners rounded by ``rx``."""
        x0, x1 = sorted(p[0] for p in corners)
        y0, y1 = sorted(p[1] for p in corners)
        if fill:
            xy = (round(x0), round(y0), round(x1) - 1, round(y1) - 1)
            if xy[2] >= xy[0] and xy[3] >= xy[1]:
                if rx > 0:
                    draw(fill).rounded_rectangle(xy, rx, fill=fill)
                else:
                    draw(fill).rectangle(xy, fill=fill)
        if stroke and width > 0:
            w, ink = max(1, round(width)), self._thin(stroke, width)
            xy = (round(x0 - w / 2), round(y0 - w / 2), round(x1 + w / 2) - 1,
                  round(y1 + w / 2) - 1)
            if rx > 0:
                draw(ink).rounded_rectangle(xy, rx + w / 2, outline=ink, width=w)
            else:
                draw(ink).rectangle(xy, outline=ink, width=w)

    @staticmethod
    def _thin(colour: tuple[int, ...], width: float) -> tuple[int, ...]:
        """A line thinner than a pixel is drawn one pixel wide, its colour that much fainter."""
        if width >= 0.75:
            return colour
        alpha = colour[3] if len(colour) == 4 else 255
        return (*colour[:3], round(alpha * width))

    def stroke(self, draw: _Draws, pts: list[tuple[float, float]], colour: tuple[int, ...],
               width: float, el: ET.Element, closed: bool, dash: list[float]) -> None:
        """A line ``width`` device px wide through ``pts``, with the element's caps, joins
        and dashes."""
        w = max(1, round(width))
        ink = self._thin(colour, width)
        round_join = el.get("stroke-linejoin") == "round" and w > 2
        round_cap = el.get("stroke-linecap") == "round" and w > 2
        pieces = _dashes(pts, dash) if dash and sum(dash) > 0 else [pts]
        for piece in pieces:
            draw(ink).line(piece, fill=ink, width=w, joint="curve" if round_join else None)
            ends: list[tuple[float, float]] = []
            if round_cap and not closed:
                ends = [piece[0], piece[-1]]
            elif round_join and closed and not dash:
                ends = [piece[0]]  # the join where the outline closes
            for x, y in ends:
                r = w / 2
                draw(ink).ellipse((x - r, y - r, x + r, y + r), fill=ink)

    def font(self, size: float, bold: bool = False) -> Any:
        """DejaVu Sans (Bold) at ``size`` px; the regular face when the bold one is
        missing, Pillow's own font when both are."""
        key = (round(size, 2), bold)
        if key not in self._fonts:
            if bold not in self._font_files:
                self._font_files[bold] = font_path(bold) or self._font_files[False]
            file = self._font_files[bold]
            if file is None:
                self._fonts[key] = self._font_mod.load_default(key[0])
            else:
                self._fonts[key] = self._font_mod.truetype(str(file), key[0])
        return self._fonts[key]

    def text(self, el: ET.Element, img: Any, draw: _Draws, ctm: Matrix) -> None:
        """A line of text, its baseline at x, y (start, middle or end: text-anchor), turned
        and sized by ``ctm``."""
        s = el.text or ""
        colour = _colour(el, "fill", "#000000", "fill-opacity")  # no fill-opacity: opaque
        if not s.strip() or colour is None:
            return
        scale = _scale_of(ctm)
        if ctm[0] * ctm[3] - ctm[1] * ctm[2] < 0:
            raise SvgSubsetError("<text> in a mirrored transform")
        font = self.font(_num(el, "font-size") * scale, el.get("font-weight") == "bold")
        anchor = {"start": "ls", "middle": "ms", "end": "rs"}[el.get("text-anchor", "start")]
        (x, y), = _apply(ctm, [(_num(el, "x", 0.0), _num(el, "y", 0.0))])
        turn = math.degrees(math.atan2(ctm[1], ctm[0]))
        if abs(turn) < 1e-6:
            draw(colour).text((x, y), s, fill=colour, font=font, anchor=anchor)
            return
        from PIL import Image

        left, top, right, bottom = font.getbbox(s, anchor=anchor)
        mask = Image.new("L", (max(1, math.ceil(right - left)), max(1, math.ceil(bottom - top))))
        self._draw_mod.Draw(mask).text((-left, -top), s, fill=255, font=font, anchor=anchor)
        turned = mask.rotate(-turn, resample=Image.Resampling.BICUBIC, expand=True)
        vx, vy = -left - mask.width / 2, -top - mask.height / 2
        co, si = math.cos(math.radians(turn)), math.sin(math.radians(turn))
        ax, ay = turned.width / 2 + co * vx - si * vy, turned.height / 2 + si * vx + co * vy
        img.paste(colour, (round(x - ax), round(y - ay)), turned)  # text is opaque
