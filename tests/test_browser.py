"""The HTML report in a real browser: headless Chromium from the system packages
(.ci/run installs it when it is missing). Two things only a browser can show: that no
script from the stored text runs, and that the page fits a phone's 400 px width.

The report is shown in a 400 px frame of a test page whose own script, after the
frame has loaded (images failed, handlers run), writes what it measured into the test
page's DOM, which Chromium prints with --dump-dom. The report itself has no scripts:
the only script is the test's.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import pytest
from test_report import SUSPECT_TEXTS, derived_result, make_document, make_result, make_story

from provenance.models import Cue
from provenance.report import story_to_html, trace_to_html

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PHONE_PX = 400
# each payload marks the document it runs in; escaped, none of them runs
MARK = "document.documentElement.setAttribute('data-pwned', '{}')"
PAYLOADS = {
    "title": f"<script>{MARK.format('title')}</script> Apple ordered to pay",
    "passage": f'<img src=x onerror="{MARK.format("passage")}"> said the minister',
    "site": f'<svg onload="{MARK.format("site")}"></svg>',
    "style": f'<style>body {{ width: 3000px }}</style><b onmouseover="{MARK.format("style")}">x</b>',
}
MEASURE = """
const frame = document.getElementById('report');
frame.addEventListener('load', () => {
  const page = frame.contentDocument;
  const wide = [...page.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > %(px)d + 1 || el.scrollWidth > el.clientWidth + 1)
    .map(el => el.tagName.toLowerCase() + '.' + el.className);
  const out = document.getElementById('measured');
  out.setAttribute('data-scroll-width', page.documentElement.scrollWidth);
  out.setAttribute('data-pwned', page.documentElement.getAttribute('data-pwned') || 'none');
  out.setAttribute('data-wide', wide.slice(0, 5).join(' ') || 'none');
  out.setAttribute('data-script-links', page.querySelectorAll('a[href^="javascript"], a[href^="data"]').length);
  out.setAttribute('data-scripts', page.querySelectorAll('script').length);
  // a word broken over two lines: its letters' boxes stand on more than one line. Only
  // a word wider than the page (a 90-letter token) may break; URLs may break anywhere.
  const broken = [];
  const walker = page.createTreeWalker(page.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('svg, .url, title, style')) continue;
    for (const word of node.data.matchAll(/\\p{L}{4,30}/gu)) {
      const range = page.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(word[0]);
    }
  }
  out.setAttribute('data-broken', broken.slice(0, 5).join(' ') || 'none');
  out.setAttribute('data-text', page.body.innerText.replace(/\\s+/g, ' ').slice(0, 20000));
  const graph = page.querySelector('svg.graph');
  if (graph) {
    const box = graph.getBoundingClientRect();
    out.setAttribute('data-graph', Math.round(box.left) + ' ' + Math.round(box.right) + ' ' + Math.round(box.width));
  }
});
"""


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"no Chromium found (looked for {', '.join(BROWSERS)} on PATH); .ci/run installs it with apt-get")


def _hostile_report() -> str:
    long_word = "https://example.org/" + "a-very-long-path-segment-" * 12
    suspect = make_document(
        "sus0009",
        [PAYLOADS["passage"], long_word] + SUSPECT_TEXTS[2:],
        "en",
        boilerplate={4},
        title=PAYLOADS["title"],
        site=PAYLOADS["site"],
        url="javascript:alert(document.cookie)",
        cues=[Cue(kind="source", text=PAYLOADS["style"], url="javascript:alert(1)")],
    )
    result = make_result(suspect)
    result.matches[0].source.url = "javascript:alert(document.cookie)"
    result.matches[0].source.title = PAYLOADS["style"] + " EU fines Apple in a ruling " + "x" * 90
    return trace_to_html(result)


def _measure(tmp_path, report: str, px: int) -> dict[str, str]:
    """Show `report` in a frame `px` wide in headless Chromium; what MEASURE found."""
    browser = _browser()
    wrapper = tmp_path / f"frame-{px}.html"
    wrapper.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe id="report" style="width:{px}px;height:900px;border:0" srcdoc="{html.escape(report)}"></iframe>'
        f'<p id="measured"></p><script>{MEASURE % {"px": px}}</script></body></html>',
        encoding="utf-8",
    )
    try:
        shown = subprocess.run(
            [
                browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={px + 400},1000",
                "--virtual-time-budget=10000", "--dump-dom", wrapper.as_uri(),
            ],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("Chromium did not finish within 120 s")
    measured = re.search(r'<p id="measured"([^>]*)>', shown.stdout)
    assert measured and "data-scroll-width" in measured.group(1), shown.stderr[-2000:]
    return {key: html.unescape(value) for key, value in re.findall(r'data-([\w-]+)="([^"]*)"', measured.group(1))}


def test_the_report_runs_no_stored_script_and_fits_a_phone(tmp_path):
    found = _measure(tmp_path, _hostile_report(), PHONE_PX)
    assert found["pwned"] == "none"  # no payload ran
    assert found["scripts"] == "0" and found["script-links"] == "0"
    assert int(found["scroll-width"]) <= PHONE_PX, found  # no sideways scrolling on a phone
    assert found["wide"] == "none", found


@pytest.mark.parametrize("px", [PHONE_PX, 800, 1280])
def test_the_trace_page_shows_roles_and_breaks_no_word(tmp_path, px):
    """Issue 20 item 13: the page says each candidate's role, as the terminal does, and
    no header or word breaks mid-word ("relatio/n", "confide/nce", "tran/slati/on")."""
    found = _measure(tmp_path, trace_to_html(derived_result()), px)
    assert "translation (derived)" in found["text"], found["text"][:2000]
    assert found["broken"] == "none", found["broken"]
    assert int(found["scroll-width"]) <= px and found["wide"] == "none", found


@pytest.mark.parametrize("px", [PHONE_PX, 800, 1280])
def test_the_lineage_page_fits_its_graph_and_breaks_no_word(tmp_path, px):
    """Issue 20 item 13: the graph is shown whole within the page (scaled, not cut off
    at 400 px), its edges labelled, the page with a key, and no word broken."""
    found = _measure(tmp_path, story_to_html(make_story(), focus="rewr0001"), px)
    left, right, width = (int(value) for value in found["graph"].split())
    assert 0 <= left and right <= px and width > px / 2, found["graph"]
    assert int(found["scroll-width"]) <= px and found["wide"] == "none", found
    assert found["broken"] == "none", found["broken"]
    assert "How to read this graph" in found["text"] and "cited, not compared" in found["text"]
