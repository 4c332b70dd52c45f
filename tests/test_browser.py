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
from test_report import SUSPECT_TEXTS, make_document, make_result

from provenance.models import Cue
from provenance.report import trace_to_html

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PHONE_PX = 400
# each payload marks the document it runs in; escaped, none of them runs
MARK = "document.documentElement.setAttribute('data-pwned', '{}')"
PAYLOADS = {
    "title": f"<script>{MARK.format('title')}</script> Apple ordered to pay",
    "passage": f"<img src=x onerror=\"{MARK.format('passage')}\"> said the minister",
    "site": f"<svg onload=\"{MARK.format('site')}\"></svg>",
    "style": f"<style>body {{ width: 3000px }}</style><b onmouseover=\"{MARK.format('style')}\">x</b>",
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


def test_the_report_runs_no_stored_script_and_fits_a_phone(tmp_path):
    browser = _browser()
    report = _hostile_report()
    wrapper = tmp_path / "phone.html"
    wrapper.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe id="report" style="width:{PHONE_PX}px;height:900px;border:0" srcdoc="{html.escape(report)}"></iframe>'
        f'<p id="measured"></p><script>{MEASURE % {"px": PHONE_PX}}</script></body></html>',
        encoding="utf-8",
    )
    try:
        shown = subprocess.run(
            [
                browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                f"--user-data-dir={tmp_path / 'profile'}", "--window-size=800,1000", "--virtual-time-budget=10000",
                "--dump-dom", wrapper.as_uri(),
            ],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("Chromium did not finish within 120 s")
    measured = re.search(r'<p id="measured"([^>]*)>', shown.stdout)
    assert measured and "data-scroll-width" in measured.group(1), shown.stderr[-2000:]
    found = dict(re.findall(r'data-([\w-]+)="([^"]*)"', measured.group(1)))
    assert found["pwned"] == "none"  # no payload ran
    assert found["scripts"] == "0" and found["script-links"] == "0"
    assert int(found["scroll-width"]) <= PHONE_PX, found  # no sideways scrolling on a phone
    assert found["wide"] == "none", found
