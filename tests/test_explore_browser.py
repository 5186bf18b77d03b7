"""The pages in a real browser: headless Chromium, driven by playwright, used as a learner would.

Each test opens a saved page from file://, presses keys, clicks buttons, the slider, leaves and
weights, and checks what is shown against the library's own answers (``backward_steps``,
``engine.paths``, the training record). Every test fails on a console error, a page error, a
dialog, or any request that is not file: or data: (the ``tab`` fixture checks at the end).

One browser serves the whole module. Debian's ``chromium`` package provides it (``.ci/run``
installs it); under CI a missing browser or playwright is a failure, locally a skip.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

import nn
from engine import Value, backward_steps, explore, paths, topological_order
from engine.draw import _short
from nn.time_machine import CELL_COLOURS
from nn.visualize import NEGATIVE_COLOUR, POSITIVE_COLOUR

# A browser per test takes seconds: the mutation run (`-m "not slow"`) leaves these out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not Path(CHROMIUM).exists():
        return "Chromium is not installed (apt-get install chromium)"
    if shutil.which("dot") is None:
        return "Graphviz's dot is not installed (apt-get install graphviz)"
    return None


@pytest.fixture(scope="module")
def browser() -> Any:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run under CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def tab(browser: Any) -> Any:
    """A fresh page at 1280x900 that records every problem; the test fails if there was one."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else 0)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "request",
        lambda r: None if r.url.startswith(("file:", "data:")) else problems.append(r.url),
    )

    def dialog(d: Any) -> None:
        problems.append(f"dialog: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)
    yield page
    page.close()
    assert problems == []


def open_page(tab: Any, html: str, tmp_path: Path, name: str = "page.html") -> None:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    tab.goto(path.as_uri())


STATE = """() => [
    document.querySelector(".figure").innerHTML,
    document.getElementById("line").textContent,
    document.getElementById("status").textContent,
    document.getElementById("counter").textContent,
    document.getElementById("slider").value,
]"""


def counter(tab: Any) -> str:
    return tab.text_content("#counter")


# -- the explorer ----------------------------------------------------------------------


def test_arrow_keys_step_through_every_frame_and_back_exactly(
    tab: Any, tmp_path: Path, readme_graph
) -> None:
    loss, _ = readme_graph()
    page = explore(loss)
    open_page(tab, page.html, tmp_path)
    twin, _ = readme_graph()
    order = topological_order(twin)
    steps = []
    for step in backward_steps(twin):  # the chain rule and every gradient after each step
        steps.append((str(step), order.index(step.node), [_short(v.grad, 4) for v in order]))
    forward = page.data["backward"]
    assert counter(tab) == f"frame 1 of {forward + len(steps)}"  # opens on the first frame
    assert tab.text_content("#line") == page.data["lines"][0]
    assert tab.text_content("#v3d") == "data 2" and tab.text_content("#v4d") == "data ?"
    states = [tab.evaluate(STATE)]
    for frame in range(1, forward + len(steps)):
        tab.keyboard.press("ArrowRight")
        states.append(tab.evaluate(STATE))
        if frame < forward:
            continue
        line, visited, grads = steps[frame - forward]
        assert tab.text_content("#line") == line
        assert "hot-b" in tab.get_attribute(f"#v{visited}", "class")
        assert [tab.text_content(f"#v{i}g") for i in range(len(order))] == [
            f"grad {g}" for g in grads
        ]
    tab.keyboard.press("ArrowRight")  # past the last frame: stays
    assert tab.evaluate(STATE) == states[-1]
    for frame in range(len(states) - 2, -1, -1):
        tab.keyboard.press("ArrowLeft")
        assert tab.evaluate(STATE) == states[frame], frame  # ← restores the frame exactly


def test_buttons_slider_home_and_end(tab: Any, tmp_path: Path, readme_graph) -> None:
    loss, _ = readme_graph()
    open_page(tab, explore(loss).html, tmp_path)
    assert tab.is_disabled("#previous") and tab.is_disabled("#first")
    tab.click("#next")
    tab.click("#next")
    assert counter(tab) == "frame 3 of 11"
    tab.click("#previous")
    assert counter(tab) == "frame 2 of 11"
    tab.fill("#slider", "7")
    assert counter(tab) == "frame 8 of 11"
    assert tab.text_content("#line").startswith("dL/da = 6.0 (a is a leaf")
    tab.focus("#slider")
    tab.keyboard.press("ArrowRight")  # the slider's own key: one step, not two
    assert counter(tab) == "frame 9 of 11"
    box = tab.locator("#slider").bounding_box()
    tab.mouse.click(box["x"] + 2, box["y"] + box["height"] / 2)  # the start of the track
    assert counter(tab) == "frame 1 of 11"
    tab.click("h1")
    tab.keyboard.press("End")
    assert counter(tab) == "frame 11 of 11" and tab.is_disabled("#next")
    tab.keyboard.press("Home")
    assert counter(tab) == "frame 1 of 11"
    tab.click("#last")
    assert counter(tab) == "frame 11 of 11"
    tab.click("#first")
    assert counter(tab) == "frame 1 of 11"


def test_clicking_a_leaf_shows_every_path_and_their_sum(tab: Any, tmp_path: Path) -> None:
    x = Value(3.0, label="x")
    y = x * x + x
    y.label = "y"
    open_page(tab, explore(y).html, tmp_path)
    tab.keyboard.press("End")
    assert tab.is_hidden("#paths")
    tab.click("#v0")  # x's box
    found = paths(y, x)
    assert tab.is_visible("#paths")
    assert tab.text_content("#paths-title") == found.header()
    lines = tab.locator("#paths-list div").all_text_contents()
    assert lines == [str(path) for path in found]
    assert (
        tab.text_content("#paths-total") == found.sum_line() + ", the gradient of the backward pass"
    )
    lit = "() => [...document.querySelectorAll('.on-path')].map(e => e.id).sort()"
    every = ["e1_0", "e1_1", "e2_0", "e2_1", "o1", "o2", "op1", "op2", "v0", "v1", "v2"]
    assert tab.evaluate(lit) == every
    tab.hover("#paths-list div >> nth=2")  # y → x, the direct path
    assert tab.evaluate(lit) == ["e2_1", "o2", "op2", "v0", "v2"]
    tab.hover("h1")
    assert tab.evaluate(lit) == every
    tab.keyboard.press("Escape")
    assert tab.is_hidden("#paths") and tab.evaluate(lit) == []


def test_a_screenshot_shows_the_picture_and_its_highlight(
    tab: Any, tmp_path: Path, readme_graph
) -> None:
    from PIL import Image

    loss, _ = readme_graph()
    open_page(tab, explore(loss).html, tmp_path)
    for _ in range(6):  # backward step 3, at e
        tab.keyboard.press("ArrowRight")
    image = Image.open(io.BytesIO(tab.locator(".figure").screenshot())).convert("RGB")
    pixels = list(image.get_flattened_data())
    assert len(set(pixels)) > 50  # boxes, text, colours: not a blank picture
    red = sum(1 for r, g, b in pixels if r > 180 and g < 80 and b < 80)  # #d62728, the step
    blue = sum(1 for r, g, b in pixels if (r, g, b) == (219, 234, 254))  # #dbeafe, the leaves
    assert red > 100 and blue > 1000


def test_two_pages_in_one_notebook_keep_to_themselves(
    tab: Any, tmp_path: Path, readme_graph
) -> None:
    loss, _ = readme_graph()
    x = Value(3.0, label="x")
    y = x * x
    outputs = explore(loss)._repr_html_() + explore(y)._repr_html_()  # as two notebook cells
    open_page(tab, f"<!DOCTYPE html><html><body>{outputs}</body></html>", tmp_path)
    assert tab.locator("body > p").count() == 0  # the notes for script-less viewers are gone
    first, second = tab.frames[1], tab.frames[2]
    first.click("h1")
    tab.keyboard.press("ArrowRight")
    tab.keyboard.press("ArrowRight")
    assert first.text_content("#counter") == "frame 3 of 11"
    assert second.text_content("#counter") == "frame 1 of 4"
    assert first.text_content("#v0d") == "data -2" and second.text_content("#v0d") == "data 3"
    for frame, iframe in zip((first, second), tab.locator("iframe").all()):
        inside = frame.evaluate("document.body.getBoundingClientRect().height")
        assert abs(iframe.bounding_box()["height"] - (inside + 24)) <= 1.5  # fitted


def test_notebook_01_keeps_a_live_page_in_its_outputs(
    tab: Any, tmp_path: Path, readme_graph
) -> None:
    notebook = json.loads((ROOT / "notebooks" / "01_value_and_chain_rule.ipynb").read_text())
    stored = [
        "".join(output["data"]["text/html"])
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if "srcdoc" in "".join(output.get("data", {}).get("text/html", ""))
    ]
    assert len(stored) == 1
    open_page(tab, f"<!DOCTYPE html><html><body>{stored[0]}</body></html>", tmp_path)
    frame = tab.frames[1]
    frame.click("h1")
    tab.keyboard.press("End")
    twin, _ = readme_graph()
    assert frame.text_content("#line") == str(list(backward_steps(twin))[-1])


def test_nasty_labels_are_shown_as_text(tab: Any, tmp_path: Path) -> None:
    nasty = "</script><img src=x onerror=alert(1)>"
    x = Value(2.0, label=nasty)
    y = x * x
    y.label = 'say "hi" & <b>bold</b>'
    open_page(tab, explore(y).html, tmp_path)
    tab.keyboard.press("End")
    assert tab.text_content("#v0 text") == nasty
    assert y.label in tab.text_content("h1")
    assert tab.locator("img").count() == 0


# -- the training time machine ---------------------------------------------------------


def test_the_time_machine_scrubs_the_whole_run(tab: Any, tmp_path: Path) -> None:
    X, labels = nn.make_moons(30, noise=0.1, seed=3)
    model = nn.MLP(2, [4, 1], seed=0)
    history = nn.fit(
        model,
        X,
        nn.to_signed_labels(labels),
        loss="hinge",
        lr=0.1,
        epochs=10,
        progress=False,
        record=True,
    )
    page = history.explore(resolution=10)
    open_page(tab, page.html, tmp_path)
    record, data = history.record, page.data
    assert tab.text_content("#epoch") == "Epoch 0 of 10:"
    assert tab.text_content("#readout") == "the model before training"

    def check(epoch: int) -> None:
        values = record.parameters_after(epoch)
        for k in data["weights"]:
            colour = POSITIVE_COLOUR if values[k] > 0 else NEGATIVE_COLOUR
            assert tab.get_attribute(f"#p{k} path:not(.hit)", "stroke") == colour
            assert tab.text_content(f"#p{k} text") == f"{values[k]:.4g}"
        assert tab.text_content("#L1N0 >> text >> nth=1") == f"b = {values[16]:.4g}"
        fills = tab.evaluate(
            "[...document.getElementById('cells').children].map(c => c.getAttribute('fill'))"
        )
        assert fills == [CELL_COLOURS[int(c)] for c in data["boundary"][epoch]]

    states = []
    state = """() => [document.querySelector(".layout").innerHTML,
        document.getElementById("epoch").textContent,
        document.getElementById("readout").textContent]"""
    check(0)
    for epoch in range(1, 4):
        states.append(tab.evaluate(state))
        tab.keyboard.press("ArrowRight")
        check(epoch)
    assert tab.text_content("#epoch") == "Epoch 3 of 10:"
    assert tab.text_content("#readout").startswith(f"loss {history.loss[2]:.4g} · accuracy ")
    for epoch in (2, 1, 0):
        tab.keyboard.press("ArrowLeft")
        assert tab.evaluate(state) == states[epoch]  # ← restores the epoch exactly
    tab.fill("#slider", "10")
    check(10)
    assert "none" not in tab.get_attribute("#marker-loss", "style") and tab.is_disabled("#next")
    assert tab.get_attribute("#marker-loss", "x1") == "308"  # the last epoch, at the right end

    # a real click on a weight's edge: whichever edge is under the mouse, the panel names it
    point = tab.evaluate(
        """() => { const path = document.querySelector("#p13 path:not(.hit)");
        const p = path.getPointAtLength(path.getTotalLength() * 0.5)
            .matrixTransform(path.getScreenCTM()); return [p.x, p.y]; }"""
    )
    clicked = tab.evaluate(
        f"document.elementFromPoint({point[0]}, {point[1]}).closest('g.edge').id"
    )
    tab.mouse.click(*point)
    k = int(clicked[1:])
    assert tab.is_visible("#parameter")
    assert tab.text_content("#parameter-title") == f"{data['labels'][k]} ({data['names'][k]})"
    value, gradient = record.parameters_after(10)[k], record.gradients_in(10)[k]
    readout = tab.text_content("#parameter-readout")
    assert readout.startswith(f"after epoch 10: value {float(f'{value:.4g}'):.4g}")
    assert f"gradient in epoch 10: {float(f'{gradient:.4g}'):.4g}" in readout
    assert tab.locator("#parameter-chart polyline").count() == 2
    tab.keyboard.press("Escape")
    assert tab.is_hidden("#parameter")

    from PIL import Image

    image = Image.open(io.BytesIO(tab.screenshot())).convert("RGB")
    assert len(set(image.get_flattened_data())) > 100
