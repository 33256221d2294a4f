"""Make the README's images (examples/images/): two distribution figures and the top of report.html
for ``flopcast run plappert-2024 --seed 1`` (200,000 draws). Not run by the tests.

    python examples/make_readme_images.py

The top of the report is a browser screenshot when a headless Chromium is on PATH, else the same
content (title, executive summary, lead figure) drawn with matplotlib.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from flopcast.cli import main

IMAGES = Path(__file__).resolve().parent / "images"
FIGURES = ("peak_fleet_h100", "training_h100_months")


def screenshot(report: Path, png: Path) -> bool:
    for browser in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(browser)
        if exe:
            subprocess.run(
                [
                    exe,
                    "--headless",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    "--window-size=1200,900",
                    f"--screenshot={png}",
                    report.as_uri(),
                ],
                check=True,
                capture_output=True,
            )
            return png.is_file()
    return False


def drawn_top(report: Path, lead_png: Path, png: Path) -> None:
    """Title, summary sentences and the lead figure of report.html, drawn with matplotlib."""
    import textwrap

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.image import imread

    from flopcast.report.figures import label

    page = report.read_text()
    title = html.unescape(re.search(r"<h1>(.*?)</h1>", page).group(1))
    block = page[page.index("<div class='summary'>") :]
    items = [
        html.unescape(re.sub(r"<[^>]+>", "", li))
        for li in re.findall(r"<li>(.*?)</li>", block[: block.index("</div>")])
    ]
    text = "\n".join("\n".join(textwrap.wrap("- " + t, 135, subsequent_indent="  ")) for t in items)
    image = imread(lead_png)
    lines = text.splitlines()
    text_in = 0.75 + len(lines) * 5.6 * 1.5 / 72.0  # title, "Summary", then the summary lines
    image_in = 6.0 * 0.96 * image.shape[0] / image.shape[1]
    height = text_in + image_in + 0.1
    fig = Figure(figsize=(6.0, height), dpi=200)
    FigureCanvasAgg(fig)
    top = lambda inches: 1.0 - inches / height  # noqa: E731 - a position from the top, in inches
    fig.text(0.03, top(0.08), label(title), fontsize=13, weight="bold", va="top")
    fig.text(0.03, top(0.4), "Summary", fontsize=10.5, weight="bold", va="top", color="#0072B2")
    fig.text(0.03, top(0.68), "\n".join(label(t) for t in lines), fontsize=5.6, va="top", linespacing=1.5)
    ax = fig.add_axes((0.02, 0.0, 0.96, image_in / height))
    ax.imshow(image)
    ax.set_axis_off()
    fig.savefig(png)


def make() -> None:
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        if (
            main(["run", "plappert-2024", "--seed", "1", "--samples", "none", "--figures", "png", "--out", str(out)])
            != 0
        ):
            sys.exit("the run failed")
        for name in FIGURES:
            shutil.copyfile(out / f"{name}.png", IMAGES / f"{name}.png")
        top = IMAGES / "report_top.png"
        if not screenshot(out / "report.html", top):
            drawn_top(out / "report.html", out / f"{FIGURES[0]}.png", top)
    print(f"wrote {', '.join(p.name for p in sorted(IMAGES.glob('*.png')))} in {IMAGES}")


if __name__ == "__main__":
    make()
