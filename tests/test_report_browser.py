"""HTML reports in a real headless browser: they load without a console error and show plots.

Uses Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them);
the test is skipped where either is missing. Selenium is given both paths, so
Selenium Manager never downloads a browser or a driver.
"""

import shutil

import numpy as np
import pandas as pd
import pytest

from semiloop.monitor import monitor_windows
from semiloop.report import Report, check_report, monitor_report
from semiloop.trust import check_unlabeled

pytest.importorskip("matplotlib")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
           "chromium-driver; .ci/run installs them)")

# Every plot, with its rendered size; every raster image inside an SVG, decoded.
MEASURE = """
const done = arguments[arguments.length - 1];
const plots = [...document.querySelectorAll("figure.plot > svg, figure.plot > img")].map(e => {
  const box = e.getBoundingClientRect();
  const loaded = e.tagName.toLowerCase() !== "img" || (e.complete && e.naturalWidth > 0);
  return {width: box.width, height: box.height, loaded: loaded,
          shapes: e.querySelectorAll("path, use, image, rect").length};
});
const rasters = [...document.querySelectorAll("figure.plot svg image")].map(e => {
  const image = new Image();
  image.src = e.getAttribute("xlink:href") || e.getAttribute("href");
  return image.decode().then(() => image.naturalWidth, () => 0);
});
Promise.all(rasters).then(widths => done({plots: plots, rasters: widths,
                                          height: document.documentElement.scrollHeight}));
"""


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1200,900", "--hide-scrollbars"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(20)
    yield driver
    driver.quit()


def _open(driver, path, screenshot):
    """Load ``path``; return its SEVERE console entries and the measured plots."""
    driver.get_log("browser")                     # drops entries left by an earlier page
    driver.get(path.resolve().as_uri())
    measured = driver.execute_async_script(MEASURE)
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    driver.set_window_size(1200, min(measured["height"] + 40, 12000))
    driver.save_screenshot(str(screenshot))
    driver.set_window_size(1200, 900)
    return errors, measured


def _assert_renders(driver, page_path, screenshot, n_plots):
    errors, measured = _open(driver, page_path, screenshot)
    assert errors == [], errors
    assert len(measured["plots"]) == n_plots
    for plot in measured["plots"]:
        assert plot["width"] > 100 and plot["height"] > 50, plot
        assert plot["loaded"] and plot["shapes"] > 10, plot
    assert all(width > 0 for width in measured["rasters"]), measured["rasters"]
    assert screenshot.stat().st_size > 20_000


def test_check_report_loads_cleanly_and_shows_its_plots(browser, tmp_path):
    rng = np.random.default_rng(0)
    labeled = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    unlabeled = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(1.5, 1, 300)})
    y = np.where(labeled["a"] > 0, "yes", "no")
    result = check_unlabeled(labeled, unlabeled, y)
    page = tmp_path / "check.html"
    check_report(result, classes=["no", "yes"], y_labeled=y).write(page)
    _assert_renders(browser, page, tmp_path / "check.png", n_plots=5)
    assert "Verdict" in browser.title + browser.page_source


def test_monitor_report_loads_cleanly_and_shows_its_plots(browser, tmp_path):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    reference["label"] = (reference["a"] > 0).astype(int)
    model = LogisticRegression().fit(reference[["a", "b"]], reference["label"])
    windows = [(f"day{day}", pd.DataFrame({"a": rng.normal(0.5 * day, 1, 200),
                                           "b": rng.normal(size=200),
                                           "label": rng.integers(0, 2, 200)}))
               for day in range(3)]
    report = monitor_windows(reference, windows, model=model, label_column="label")
    page = tmp_path / "monitor.html"
    monitor_report(report).write(page)
    _assert_renders(browser, page, tmp_path / "monitor.png", n_plots=5)


def test_status_report_loads_cleanly_and_shows_its_learning_curve(browser, tmp_path):
    from semiloop.loop.curve import fit_learning_curve, labels_for_next_step
    from semiloop.report import status_report

    n = np.array([20, 40, 80, 160])
    accuracy = 0.9 - 2.0 * n ** -0.8
    curve = fit_learning_curve(n, accuracy, n_validation=500)
    step = labels_for_next_step(curve, 160)
    rounds = [{"round": i + 1, "status": "done", "n_human": int(k), "n_rule": 0,
               "accuracy": float(a), "supervised_accuracy": float(a) - 0.03,
               "macro_f1": float(a), "outcome": "", "message": None}
              for i, (k, a) in enumerate(zip(n, accuracy, strict=True))]
    status = {"verdict": "labels still pay", "notes": [], "n_items": 900, "n_unlabeled": 700,
              "n_validation": 40, "labels": {"human": {"a": 100, "b": 100}},
              "conflicts": [], "rounds": rounds, "stopped_paying": False,
              "curve": {"ceiling": curve.ceiling, "scale": curve.scale,
                        "exponent": curve.exponent,
                        "next_step": {"labels_median": step.median}}}
    page = tmp_path / "status.html"
    status_report(status).write(page)
    _assert_renders(browser, page, tmp_path / "status.png", n_plots=1)
    assert "Learning curve" in browser.page_source


def test_the_browser_check_sees_a_blocked_request(browser, tmp_path):
    """The harness itself: a page that asks for an outside image logs an error."""
    report = Report("asks the network")
    report.add_section("bad").add_text("below, an image from elsewhere")
    page = tmp_path / "bad.html"
    page.write_text(report.to_html().replace(
        "</main>", '<img src="https://example.invalid/x.png" alt="x"></main>'))
    errors, _ = _open(browser, page, tmp_path / "bad.png")
    assert errors, "a request outside the page must show as a console error"
