"""``/docs`` in headless Chromium against a running service: it renders, offline.

Needs Debian's ``chromium`` and ``chromium-driver`` (and ``selenium``); skipped
without them unless ``ZEN_REQUIRE_BROWSER=1`` (CI), which makes their absence
a failure.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from urllib.parse import urlsplit

import pytest
import requests

from zen_core.client import Client
from zen_core.testing.require import BROWSER, skip_or_fail
from zen_service.docs import ASSETS
from zen_service.testing import running_service

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

#: Flags that work headless, as root, in a container, with no internet.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
    # Any host but this machine fails to resolve: an external asset could not load.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def _browser_or_skip():
    missing = [name for name, found in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER))
               if not found]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium")
    if missing:
        skip_or_fail(f"needs {', '.join(missing)} (apt-get install chromium chromium-driver)",
                     BROWSER)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    config = tmp_path_factory.mktemp("docs-service")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZENML_CONFIG_PATH", str(config))
        Client(config).prepare()  # the default profile, with its default stack
        with running_service(config) as state:
            yield state


@pytest.fixture(scope="module")
def browser(service):
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile_dir = tempfile.mkdtemp(prefix="zen-chromium-")
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile_dir, ignore_errors=True)


def _requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_the_docs_page_renders_every_operation_offline(service, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base = f"http://127.0.0.1:{service.port}"
    browser.get_log("performance")  # drop what the browser did before (its new tab page)
    browser.get(base + "/docs")
    WebDriverWait(browser, 30).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock-summary-path")))
    paths = {e.get_attribute("data-path") or e.text
             for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/api/v1/stacks", "/api/v1/stacks/{name}", "/api/v1/components",
            "/api/v1/components/{type}/{name}", "/health"} <= paths
    assert "zen service" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    assert browser.find_elements(By.CSS_SELECTOR, ".auth-wrapper .authorize")  # bearer token

    urls = _requested_urls(browser)
    assert any(u.endswith("/openapi.json") for u in urls)
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls)
    network = [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")]
    elsewhere = [u for u in network if urlsplit(u).netloc != f"127.0.0.1:{service.port}"]
    assert elsewhere == [], "the docs page requested other hosts"
    refused = [e["message"] for e in browser.get_log("browser")
               if "Content Security Policy" in e["message"] or "ERR_NAME_NOT_RESOLVED" in
               e["message"]]
    assert refused == []


def test_the_served_html_and_assets_name_no_other_host(service):
    base = f"http://127.0.0.1:{service.port}"
    page = requests.get(base + "/docs", timeout=5)
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert loaded and all(u.startswith("/docs/assets/") for u in loaded), loaded
    for asset in [*ASSETS, "init.js"]:
        response = requests.get(f"{base}/docs/assets/{asset}", timeout=5)
        assert response.status_code == 200, asset
    init = requests.get(f"{base}/docs/assets/init.js", timeout=5).text
    assert "validatorUrl: null" in init and "http" not in init
    css = requests.get(f"{base}/docs/assets/css/swagger-ui.css", timeout=5).text
    assert not re.findall(r"url\(\s*['\"]?(?:https?:)?//", css), "the CSS loads from elsewhere"
    assert requests.get(f"{base}/docs/assets/../app.py", timeout=5).status_code == 404
