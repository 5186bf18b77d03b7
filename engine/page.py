"""Pages: one self-contained HTML file that a learner steps through in any browser.

A ``Page`` is a whole HTML document with everything inline: its pictures
(SVG, drawn by Graphviz or by hand), its style, the data of every frame (as
JSON) and a small plain-JavaScript script that shows one frame at a time.
Nothing is fetched: the page declares a Content-Security-Policy that allows
no network request at all, so it works from ``file://``, offline, and the
same in every browser. The same input gives the same bytes.

``engine.explore`` (stepping through a backward pass) and nn's training
time machine (``History.explore()``) both make their pages here.

In a notebook (JupyterLab, Jupyter Notebook, VS Code, nbviewer) a Page shows
itself through ``_repr_html_`` inside an ``<iframe srcdoc=...>``: the frame
is a document of its own, so two pages in one notebook never share element
ids, styles, keyboard focus or scripts, and the notebook's own page is
untouched (``sandbox="allow-scripts"``: the page's script runs, but cannot
reach the notebook). A few lines of script next to the frame let the page set
the frame's height to fit, and remove a note that stands in for the page
where a notebook shows neither frames nor scripts (JupyterLab before the
notebook is trusted or run, a code host's preview): there the note says how
to see the page. ``save(path)`` writes the document itself, to open in a
browser.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

#: Nothing may be fetched: no scripts, styles, fonts or images from anywhere
#: (``data:`` images only); inline styles and scripts are the page itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
)

BASE_STYLE = """
:root { color-scheme: light; }
body { margin: 0; padding: 12px 16px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI",
  Helvetica, Arial, sans-serif; color: #111827; background: #ffffff; }
h1 { font-size: 17px; margin: 0 0 8px; font-weight: 600; }
.controls { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin: 6px 0; }
.controls input[type=range] { flex: 1 1 240px; min-width: 160px; }
button { font: inherit; padding: 3px 10px; border: 1px solid #9ca3af; border-radius: 5px;
  background: #f9fafb; color: #111827; cursor: pointer; }
button:hover { background: #eef2ff; }
button:disabled { opacity: .45; cursor: default; }
.status { font-weight: 600; }
.counter { color: #4b5563; font-variant-numeric: tabular-nums; white-space: nowrap; }
.figure { overflow: auto; border: 1px solid #e5e7eb; border-radius: 6px; background: #fff; }
.figure svg { display: block; margin: 0 auto; max-width: 100%; height: auto; }
svg text { font-family: Helvetica, Arial, "Liberation Sans", sans-serif; }
pre { margin: 0; white-space: pre-wrap; font: 13px/1.5 ui-monospace, "DejaVu Sans Mono",
  Menlo, Consolas, monospace; user-select: text; }
.box { border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 10px; margin-top: 8px; }
.box h2 { font-size: 13px; margin: 0 0 4px; color: #4b5563; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin-top: 8px; color: #374151;
  font-size: 13px; }
.legend span { white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid #6b7280;
  border-radius: 2px; vertical-align: -2px; margin-right: 4px; }
.hint { color: #6b7280; font-size: 12.5px; }
"""

#: Inside an iframe, tell the notebook around it how tall the page is.
_REPORT_HEIGHT = """
(function () {
  if (window.parent === window) return;
  var last = 0;
  function report() {
    var height = Math.ceil(document.body.getBoundingClientRect().height) + 24;
    if (height !== last) {
      last = height;
      window.parent.postMessage({ chainruleHeight: height }, "*");
    }
  }
  new ResizeObserver(report).observe(document.body);
  report();
})();
"""

#: Under the iframe in a notebook, for where neither frames nor scripts are shown (an
#: untrusted notebook, a code host's preview); the script below removes it where they are.
_NOTE = (
    '<p style="color: #6b7280; font-size: 13px;">An interactive page is here (chainrule). '
    "It shows where a notebook runs its outputs: run this cell in Jupyter (or trust the "
    'notebook), or open the notebook on nbviewer; <code>page.save("page.html")</code> '
    "writes it to a file for any browser.</p>"
)

#: Next to the iframe in a notebook: remove the note, and resize the frame when its page
#: reports a height.
_FIT_FRAME = (
    "<script>(function (note) {"
    "if (!note) return;"
    "var frame = note.previousElementSibling;"
    "note.remove();"
    'window.addEventListener("message", function (event) {'
    "if (event.source === frame.contentWindow && event.data && event.data.chainruleHeight) {"
    'frame.style.height = event.data.chainruleHeight + "px";'
    "}});"
    "})(document.currentScript && document.currentScript.previousElementSibling);</script>"
)


def _json_for_script(data: Any) -> str:
    """``data`` as JSON that is safe inside ``<script>``: every ``<`` is written ``\\u003c``."""
    # (no mutate: json reads both flags as true or false only, so None would say False too)
    text = json.dumps(  # pragma: no mutate
        data, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return text.replace("<", "\\u003c")


class Page:
    """A self-contained HTML page: show it in a notebook, or ``save`` it and open it.

    * ``title``: the document's title,
    * ``html``: the whole document (a string),
    * ``data``: the JSON data the page's script reads (frames, numbers, texts),
    * ``script``: the page's own script; it calls ``chainruleControls(last, show,
      escape)`` (``engine/page.js``) to wire the buttons, slider and keys,
    * ``height``: the height, in CSS pixels, of the frame a notebook shows it in.

    Build one with ``engine.explore(root)`` or ``history.explore()``.
    """

    def __init__(
        self,
        title: str,
        body: str,
        data: Any,
        script: str,
        *,
        style: str = "",
        height: int = 600,
    ) -> None:
        self.title = title
        self.data = data
        self.height = height
        self.html = (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n"
            f"<style>{BASE_STYLE}{style}</style>\n</head>\n<body>\n{body}\n"
            f'<script type="application/json" id="page-data">{_json_for_script(data)}</script>\n'
            f"<script>{_REPORT_HEIGHT}{page_script('engine', 'page.js')}{script}</script>\n"
            "</body>\n</html>\n"
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path; open it in any browser."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")  # pragma: no mutate ("UTF-8": the same)
        return target

    def _repr_html_(self) -> str:
        """The page in an ``<iframe srcdoc>``, isolated from the notebook (see the module doc)."""
        return (
            # quote=True, the default, is said (a mutant that drops it changes nothing)
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '  # pragma: no mutate
            'sandbox="allow-scripts" '
            f'title="{html.escape(self.title, quote=True)}" '  # pragma: no mutate (the default)
            f'style="width: 100%; height: {self.height}px; border: 0;"></iframe>'
            + _NOTE
            + _FIT_FRAME
        )

    def __repr__(self) -> str:
        size = len(self.html.encode("utf-8"))
        return (
            f"<Page {self.title!r}: {size:,} bytes; show it in a notebook, or "
            "page.save('page.html') and open the file in a browser>"
        )


def controls(unit: str, extra: str = "") -> str:
    """The buttons and the slider that ``engine/page.js`` wires, for stepping through ``unit``s
    (``"frame"``, ``"epoch"``); ``extra`` HTML goes at the end of the row."""
    return (
        '<div class="controls">\n'
        f'<button id="first" title="the first {unit} (Home)">« First</button>\n'
        f'<button id="previous" title="the previous {unit} (←)">◀ Previous</button>\n'
        f'<input id="slider" type="range" min="0" value="0" aria-label="{unit}">\n'
        f'<button id="next" title="the next {unit} (→)">Next ▶</button>\n'
        f'<button id="last" title="the last {unit} (End)">Last »</button>\n'
        f"{extra}</div>"
    )


def page_script(package: str, name: str) -> str:
    """The text of a page's script, a ``.js`` file installed with ``package``."""
    from importlib.resources import files

    script = files(package).joinpath(name)
    return script.read_text(encoding="utf-8")  # pragma: no mutate ("UTF-8": the same codec)


def inline_svg(svg: str) -> str:
    """Graphviz's SVG output made ready to sit inside a page.

    Drops what a page does not need: the XML prolog and DOCTYPE, comments,
    ``<title>`` elements (their text, the DOT node names, would pop up as
    tooltips), ``<a>`` wrappers (static tooltips that a frame would
    contradict) and the Helvetica ``font-family`` of every text (the page's
    style sets it once). What remains starts at ``<svg``.
    """
    # (rindex would do as well: there is one "<svg", every text in the picture is escaped)
    svg = svg[svg.index("<svg") :]  # pragma: no mutate
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.DOTALL)
    # (a title is a node's name, v3 or L1N0, on one line: DOTALL is for safety only)
    svg = re.sub(r"<title>.*?</title>\n?", "", svg, flags=re.DOTALL)  # pragma: no mutate
    svg = re.sub(r"<a\b[^>]*>\n?|</a>\n?", "", svg)
    svg = svg.replace(' font-family="Helvetica,sans-Serif"', "")  # in the style, once
    return svg.strip()
