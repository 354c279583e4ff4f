"""Draw neckcheck's icons (home screen, browser tab) into src/neckcheck/web/static/icons/.

A head and neck in profile with a check mark on the neck, in the colours of the pages' top
bar. Drawn with Pillow (which comes with ReportLab, a dependency) at four times the size and
scaled down, so the edges are smooth; the same Pillow draws the same files.

    python -m scripts.icons [OUTPUT_DIR]     (from the repository root)

- ``icon-192.png``, ``icon-512.png``: a rounded square, for the web app manifest (``any``);
- ``icon-maskable-512.png``: the whole square filled, the drawing inside the central circle
  that every launcher keeps (``maskable``: the phone cuts its own shape);
- ``apple-touch-icon.png`` (180 px, filled: iOS rounds the corners itself);
- ``favicon.ico`` (16, 32 and 48 px).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

INK = (27, 31, 36, 255)  # --ink, the top bar (and the manifest's theme colour)
WHITE = (255, 255, 255, 255)
AMBER = (255, 176, 0, 255)  # --focus, the mark of the current page in the top bar
SCALE = 4  # drawn this many times larger, then reduced

OUT = Path(__file__).resolve().parents[1] / "src" / "neckcheck" / "web" / "static" / "icons"

Point = tuple[float, float]


def _bezier(p0: Point, p1: Point, p2: Point, p3: Point, steps: int = 24) -> list[Point]:
    """Points along a cubic Bézier curve (Pillow draws polygons, not curves)."""
    points = []
    for i in range(steps + 1):
        t = i / steps
        u = 1 - t
        points.append(
            (
                u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
            )
        )
    return points


def _silhouette() -> list[Point]:
    """A head, neck and shoulders facing right, in a unit square (y down), as one outline:
    from the left shoulder, up the back of the neck, round the skull, down the face, the
    front of the neck, to the right shoulder."""
    path: list[Point] = []
    path += _bezier((0.06, 1.00), (0.10, 0.78), (0.24, 0.71), (0.37, 0.68))  # left shoulder
    path += _bezier((0.37, 0.68), (0.39, 0.62), (0.37, 0.56), (0.33, 0.50))  # back of neck
    path += _bezier((0.33, 0.50), (0.22, 0.36), (0.30, 0.13), (0.50, 0.13))  # back of skull
    path += _bezier((0.50, 0.13), (0.63, 0.13), (0.68, 0.24), (0.67, 0.33))  # crown, forehead
    path += _bezier((0.67, 0.33), (0.70, 0.37), (0.73, 0.41), (0.70, 0.43))  # brow to nose
    path += _bezier((0.70, 0.43), (0.69, 0.46), (0.69, 0.50), (0.66, 0.52))  # mouth, chin
    path += _bezier((0.66, 0.52), (0.62, 0.55), (0.57, 0.54), (0.56, 0.56))  # under the jaw
    path += _bezier((0.56, 0.56), (0.56, 0.61), (0.58, 0.66), (0.62, 0.69))  # front of neck
    path += _bezier((0.62, 0.69), (0.76, 0.72), (0.90, 0.78), (0.94, 1.00))  # right shoulder
    return path


def _check() -> list[Point]:
    """The check mark across the neck: a stroke's centre line."""
    return [(0.41, 0.62), (0.47, 0.68), (0.59, 0.555)]


def draw(size: int, *, filled: bool, inset: float = 0.0) -> Image.Image:
    """The icon at ``size`` px: ``filled`` paints the whole square (else a rounded one with
    transparent corners); the drawing is shrunk by ``inset`` on every side."""
    big = size * SCALE
    image = Image.new("RGBA", (big, big), INK)
    pen = ImageDraw.Draw(image)
    span = big * (1 - 2 * inset)

    def at(point: Point) -> tuple[float, float]:
        return (big * inset + point[0] * span, big * inset + point[1] * span)

    # The shoulders run off the bottom edge: the outline closes below the picture.
    outline = [at(p) for p in _silhouette()] + [at((1.02, 1.5)), at((-0.02, 1.5))]
    pen.polygon(outline, fill=WHITE)
    check = [at(p) for p in _check()]
    pen.line(check, fill=AMBER, width=round(span * 0.07), joint="curve")
    radius = span * 0.035
    for x, y in (check[0], check[-1]):  # round ends
        pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=AMBER)
    if not filled:
        corners = Image.new("L", (big, big), 0)
        ImageDraw.Draw(corners).rounded_rectangle(
            (0, 0, big - 1, big - 1), radius=round(big * 0.22), fill=255
        )
        image.putalpha(corners)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, filled=False, inset=0.08).save(out / f"icon-{size}.png", optimize=True)
    # A maskable icon's safe zone is the centred circle of 80% of its width.
    draw(512, filled=True, inset=0.16).save(out / "icon-maskable-512.png", optimize=True)
    draw(180, filled=True, inset=0.10).save(out / "apple-touch-icon.png", optimize=True)
    favicon = draw(48, filled=False, inset=0.02)
    favicon.save(out / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    for name in sorted(path.name for path in out.iterdir()):
        print(out / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
