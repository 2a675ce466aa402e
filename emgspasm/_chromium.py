"""A real headless Chromium for the pages emgspasm serves and writes.

The tests and benchmarks of the live web view and of the HTML report drive
Debian's ``chromium`` with its ``chromium-driver`` through selenium, with
the flags a machine without a network needs (no background connections,
no component updates) and a fresh profile.
"""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: Chromium's flags: headless, no sandbox (root in containers), and nothing
#: that reaches for the network by itself.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--force-device-scale-factor=1")


def missing():
    """What is missing to drive a headless Chromium, or None when nothing is."""
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not exe.exists():
            return f"{exe} is not installed (Debian: apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install 'emgspasm[test]')"
    return None


def headless_chromium(profile, size=(1400, 900), logs=False):
    """Start a headless Chromium under selenium.

    Parameters
    ----------
    profile : str or Path
        An empty folder for its user profile.
    size : tuple of int
        Window width and height (px).
    logs : bool
        Keep the browser console and the performance (network) log.

    Returns
    -------
    driver : selenium.webdriver.Chrome
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in FLAGS + (f"--window-size={size[0]},{size[1]}", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    if logs:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
