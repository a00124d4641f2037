"""The tester's page of a plain, non-editable install (`pip install .`, as the README and the Docker image
install it), in a real browser: its examples are package data, listed on `/` wherever the service runs.

The package is installed with `pip install --no-deps --target` from a copy of the sources (pip builds it
in an isolated environment, fetching setuptools as for any `pip install .`), then served by the test's
interpreter with only that folder ahead of its own packages, from a folder away from the sources.
Debian's Chromium and chromedriver, which `.ci/run` installs; without them this test says so and skips.
With BONEMET_SCREENSHOTS=folder it keeps the page's screenshots there (the README's come from here)."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from support.serving import served as serving

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
try:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # the test extra installs it
    webdriver = None

MISSING = [what for what, absent in [("Debian chromium", not CHROMIUM), ("chromedriver", not CHROMEDRIVER),
                                     ("selenium", webdriver is None)] if absent]
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(bool(MISSING), reason=f"the installed page's browser test needs {', '.join(MISSING)}")]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The package as `pip install .` installs it: a folder holding `service/` and nothing of the sources."""
    source, target = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("installed")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("node_modules", "fsh-generated", "__pycache__")
    for folder in ("service", "seeds", "fhir_profiles", "examples"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    result = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), "."],
                            cwd=source, capture_output=True, text=True, timeout=600)
    if result.returncode and "No matching distribution found for setuptools" in result.stderr:
        pytest.skip("building the package needs setuptools>=69 from the package index, which cannot be reached")
    assert result.returncode == 0, result.stderr[-2000:]
    shutil.rmtree(source)  # nothing of the sources is left to be read by mistake
    return target


@pytest.fixture(scope="module")
def served(installed, tmp_path_factory):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("run")
    env = {**os.environ, "PYTHONPATH": str(installed), "BONEMET_FEEDBACK_DB": str(folder / "db.sqlite3")}
    # Every module of the service comes from the installed copy: none from the repository, which an editable
    # install of the test environment would otherwise lend for a subpackage the wheel lacks.
    where = subprocess.run([sys.executable, "-c", "import sys; import service.cli.serve, service.web.app; "
                            "print('\\n'.join(m.__file__ or '' for n, m in sys.modules.items() "
                            "if n == 'service' or n.startswith('service.')))"],
                           cwd=folder, env=env, capture_output=True, text=True, timeout=60)
    assert where.returncode == 0 and where.stdout.strip(), where.stderr[-2000:]
    outside = [path for path in where.stdout.split() if not path.startswith(str(installed))]
    assert not outside, f"not in the installed package: {outside}"
    with serving(f"http://127.0.0.1:{port}", env, folder, "--port", str(port),
                 what="the installed bonemet serve") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,1400"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


def test_the_installed_tester_page_lists_the_examples_and_scores_one(served, browser):
    browser.get(served + "/")
    options = [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#example option")]
    bundles = sorted(path.stem for path in (ROOT / "examples" / "bundles").glob("*.json"))
    assert options == ["", *bundles]
    assert browser.find_element(By.CSS_SELECTOR, ".intro a").get_attribute("href") == served + "/docs"
    keep = os.environ.get("BONEMET_SCREENSHOTS")
    Select(browser.find_element(By.ID, "example")).select_by_value("04-several-lesions")
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, 15).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "section.patient"))
    if keep:  # the form, and the first cards under it
        browser.save_screenshot(str(Path(keep) / "tester-page.png"))
    # Three lesions, three scales, each inside its own card and named by its lesion.
    captions = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "article.card figure.scale figcaption")]
    assert len(captions) == 3 and len(set(captions)) == 3, captions
    assert all("Mirels" in caption for caption in captions), captions
    # The caveats are a list, as an EHR renders the card's Markdown.
    assert browser.find_elements(By.CSS_SELECTOR, "article.card .detail ul li")
    if keep:
        card = browser.find_element(By.CSS_SELECTOR, "article.card")
        browser.execute_script("arguments[0].scrollIntoView()", card)
        card.screenshot(str(Path(keep) / "card.png"))
