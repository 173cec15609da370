"""The livret app in a real Chromium, driven through WebDriver (selenium, with Debian's
chromedriver given explicitly: nothing is downloaded).

Each device has its own home and runs `livret app` (its libp2p node on 127.0.0.1 and its web
app on its own port); each browser has its own profile. The scenarios:

  a. the family creates children and shows invitations; the teachers' apps accept them: the
     first through the camera, others by pasted text, one from a photo of the QR code as the
     screen shows it (decoded by the app); the family's page hears of it live (server-sent
     events);
  b. a teacher fills a grid of 3 pupils x 4 subjects (one row with the keyboard only, drafts
     kept across a reload), one refused cell shows its message and is written only once
     corrected, signs, syncs; the family's page shows each entry with its author and a
     valid signature; the paper PDF downloads;
  c. the family revokes the second teacher (confirmation page); after its next sync that
     teacher's class no longer lists the pupil;
  d. the English switch;
  e. the school certifies the first teacher by scanning its device QR code with its camera;
     the teacher's next entry, synced, shows as certified on the family's page;
  f. the family opens accompagnement through the consent screen (refused without consent),
     writes a measure, erases one entry (confirmation), downloads the PDF (pdftotext finds the
     entries, not the erased one), deletes a livret (refused without confirmation, then done);
  g. a jury accepts an extract through its camera: its pages show no name, birth date or
     school; once it trusts the school's key, the certified entry shows certified;
  h. the family's devices page: revoking an unknown device is refused; the recovery sheet and
     the JSON export download;
  i. the teacher's end-of-cycle bilan typed with the keyboard (refused: no grant on the cycles
     section, nothing written), the LSU export and import refused, then the LSU identifiers
     recorded (a wrong UAI refused first), the file downloaded and imported again (a preview
     that writes nothing, then the confirmation), « Synchroniser » with one line per family
     from /sync/status, and these screens in English;
  j. the school creates a teaching team and adds both teachers' devices, shows the team's
     card; the family pastes it on its own device and grants the team; the colleague meets
     the professeur principal once; each writes its subject; the PP's « Synchroniser » dials
     the colleague, and its class page shows both subjects with their authors; the family's
     grants page shows the team grant, the roster in force and the roster's versions.

The camera: the first teacher's, the school's and the jury's Chromium start with a fake capture
device playing a .y4m video (made here, standard library only) of the QR code as the other
screen shows it.

On every main screen: axe-core finds no violation of impact serious or critical, and a
screenshot is saved in docs/screenshots/ (wide, and narrow for a few).

Environment: LIVRET_BIN (the `livret` binary), AXE_JS (axe.min.js), CHROMIUM, CHROMEDRIVER.
Under CI=true a missing browser is a failure, never a skip.
"""

import datetime
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SHOTS = os.path.join(ROOT, "docs", "screenshots")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
AXE_JS = os.environ.get(
    "AXE_JS", os.path.join(ROOT, ".browser-deps", "node_modules", "axe-core", "axe.min.js")
)
CI = os.environ.get("CI", "").lower() == "true"


def livret_bin():
    if os.environ.get("LIVRET_BIN"):
        return os.environ["LIVRET_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "debug", "livret")


def require(path, what):
    if os.path.exists(path):
        return
    message = f"{what} missing: {path}"
    if CI:
        pytest.fail(message)
    pytest.skip(message)


try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        WebDriverException,
    )
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # pragma: no cover
    if CI:
        raise
    webdriver = None


def school_year():
    today = datetime.date.today()
    return today.year if today.month >= 9 else today.year - 1


class App:
    """One device: its home and its `livret app` process."""

    def __init__(self, root, name, role, label, extra=()):
        self.home = os.path.join(root, name)
        self.label = label
        self.role = role
        env = dict(os.environ, LANG="C")
        env.pop("LIVRET_PASSPHRASE", None)
        env.pop("LIVRET_HOME", None)
        self.env = env
        subprocess.run(
            [livret_bin(), "--home", self.home, "init", "--role", role, "--name", label, *extra],
            check=True, env=env, capture_output=True,
        )
        self.proc = subprocess.Popen(
            [livret_bin(), "--home", self.home, "app", "--listen", "127.0.0.1:0",
             "--node-listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns", "--no-open"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        self.url = None
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.match(r"(http://127\.0\.0\.1:\d+)/login\?token=\w+", line.strip())
            if m:
                self.url = line.strip()
                self.base = m.group(1)
                break
        assert self.url, f"no login address from livret app ({label}): {self.proc.stderr.read() if self.proc.poll() is not None else ''}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def browser(width=1280, height=1400, camera=None):
    """A Chromium; with `camera` (a .y4m file), its fake capture device plays that video."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="livret-chromium-")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--lang=fr-FR",
             f"--user-data-dir={profile}", f"--window-size={width},{height}"]
    if camera:
        flags += ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={camera}"]
    for flag in flags:
        opts.add_argument(flag)
    opts.add_experimental_option("prefs", {"intl.accept_languages": "fr-FR,fr"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    driver.implicitly_wait(0)
    driver._profile = profile
    return driver


def axe(driver, screen):
    """No violation of impact serious or critical on the screen."""
    with open(AXE_JS, encoding="utf-8") as f:
        source = f.read()
    # The app's CSP allows only its own scripts; WebDriver's execute_script is not a page
    # script and is allowed.
    driver.execute_script(source)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {screen}: {bad}"


def shot(driver, name):
    os.makedirs(SHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def narrow_shot(driver, name):
    size = driver.get_window_size()
    driver.set_window_size(390, 1400)
    time.sleep(0.3)
    shot(driver, name)
    axe(driver, name)
    driver.set_window_size(size["width"], size["height"])


def sync(driver):
    """Presses « Synchroniser »; the report page's text."""
    submit(driver, "header form[action='/sync']")
    return text_of(driver)


def wait_for(driver, predicate, timeout=20, what="condition"):
    # A page being replaced makes elements stale for a moment: try again.
    wait = WebDriverWait(driver, timeout,
                         ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))

    def between_pages(d):
        try:
            return predicate(d)
        except WebDriverException as e:
            # Chromium tears the old document down under a running query: "Node with given id
            # does not belong to the document" (an "unknown error", not a stale element).
            if "does not belong to the document" in str(e):
                return False
            raise

    return wait.until(between_pages, message=what)


def text_of(driver):
    return driver.find_element(By.TAG_NAME, "body").text


def submit(driver, form_css, button_css="button[type=submit]"):
    """Submits a form by its button and waits for the answer page."""
    # Marks the current document, then waits for a complete document without the mark.
    # (Element staleness races with Chromium's DOM teardown: "Node with given id does
    # not belong to the document" is raised while the old page is being replaced.)
    mark = f"m{time.monotonic_ns()}"
    driver.execute_script("window.__livretPage = arguments[0];", mark)
    driver.find_element(By.CSS_SELECTOR, f"{form_css} {button_css}").click()

    def answered(d):
        try:
            return d.execute_script(
                "return document.readyState === 'complete' && window.__livretPage !== arguments[0];",
                mark)
        except WebDriverException:
            return False  # the page is between documents: ask again

    WebDriverWait(driver, 30).until(answered, message=f"answer to {form_css}")


def teacher_code(teacher, text):
    """The code the teacher's app shows while the family confirms (what the family compares)."""
    answer = teacher.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch('/accept/code?invitation=' + encodeURIComponent(arguments[0]))"
        ".then(function (r) { return r.text(); }).then(done);", text)
    match = re.search(r"[A-Z2-7]{4}-[A-Z2-7]{4}", answer)
    assert match, answer
    return match.group(0)


def accept_with_family(fam, send, first=False):
    """`send()` makes a teacher redeem (its answer waits for the family); meanwhile the family's
    page, moved live to the confirmation page, is read and « Confirmer » pressed. Returns the
    text the family read."""
    seen = {}

    def family_side():
        try:
            wait_for(fam, lambda d: "/redeems" in d.current_url
                     and d.find_elements(By.CSS_SELECTOR, "section.claim"),
                     timeout=60, what="confirmation page")
            seen["text"] = text_of(fam)
            if first:
                shot(fam, "family-confirms-redeem")
                axe(fam, "redeem confirmation")
            fam.find_element(By.CSS_SELECTOR, "section.claim button[value=confirm]").click()
            wait_for(fam, lambda d: d.find_elements(By.CSS_SELECTOR, ".notice"), what="confirmed")
        except Exception as e:  # reported in the test's thread
            seen["error"] = e

    thread = threading.Thread(target=family_side)
    thread.start()
    send()
    thread.join(120)
    if "error" in seen:
        raise seen["error"]
    return seen["text"]


def read_png(path):
    """(width, height, grey rows) of an 8-bit RGB or RGBA PNG, as Chromium's screenshots are
    (the standard library only: zlib and the five PNG filters)."""
    import struct
    import zlib
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        chunk = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * channels
    prev = bytearray(stride)
    rows = []
    i = 0
    for _ in range(height):
        kind = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
        prev = line
        rows.append(bytes(
            (299 * line[x] + 587 * line[x + 1] + 114 * line[x + 2]) // 1000
            for x in range(0, stride, channels)))
    return width, height, rows


def camera_video(png, frames=10):
    """A .y4m video (YUV4MPEG2, 4:2:0, 640x480, a few frames) of a picture on white, as a
    camera held before a screen would film it: the fake capture device of Chromium plays it."""
    w, h, rows = read_png(png)
    W, H = 640, 480
    assert w <= W and h <= H, (w, h)
    left, top = (W - w) // 2, (H - h) // 2
    luma = bytearray(b"\xeb" * (W * H))
    for y, row in enumerate(rows):
        # Studio range: 16 (black) .. 235 (white).
        luma[(top + y) * W + left:(top + y) * W + left + w] = bytes(16 + v * 219 // 255 for v in row)
    chroma = b"\x80" * ((W // 2) * (H // 2))
    out = png[:-4] + ".y4m"
    with open(out, "wb") as f:
        f.write(f"YUV4MPEG2 W{W} H{H} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n")
            f.write(luma)
            f.write(chroma)
            f.write(chroma)
    return out


def qr_video(driver, css):
    """A video of the QR code `css` as the screen shows it."""
    png = os.path.join(tempfile.mkdtemp(prefix="livret-camera-"), "qr.png")
    element = driver.find_element(By.CSS_SELECTOR, css)
    # Whole on the screen, as a camera would see it (a screenshot is cut at the window's edge).
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.screenshot(png)
    return camera_video(png)


def ensure_browser(world, key, camera=None):
    """The browser of `key`, started (and logged in) on first use, with its fake camera."""
    if key in world["drivers"]:
        return world["drivers"][key]
    app = world["apps"][key]
    d = browser(camera=camera)
    world["drivers"][key] = d
    d.get(app.url)
    wait_for(d, lambda d: d.current_url.rstrip("/") == app.base, what=f"{key} logged in")
    return d


def click_and_wait(driver, css, timeout=30):
    """Clicks `css` and waits for the next page (a form the page's script submits later)."""
    mark = f"m{time.monotonic_ns()}"
    driver.execute_script("window.__livretPage = arguments[0];", mark)
    driver.find_element(By.CSS_SELECTOR, css).click()

    def answered(d):
        try:
            return d.execute_script(
                "return document.readyState === 'complete' && window.__livretPage !== arguments[0];",
                mark)
        except WebDriverException:
            return False

    WebDriverWait(driver, timeout).until(answered, message=f"page after {css}")


@pytest.fixture(scope="module")
def world():
    require(CHROMIUM, "chromium")
    require(CHROMEDRIVER, "chromedriver")
    require(AXE_JS, "axe-core (npm install axe-core)")
    require(livret_bin(), "the livret binary (cargo build -p livret-cli)")
    if webdriver is None:
        pytest.skip("selenium missing (pip install selenium)")
    root = tempfile.mkdtemp(prefix="livret-browser-")
    apps = {}
    drivers = {}
    try:
        apps["family"] = App(root, "famille", "family", "Parent de Lina")
        apps["t1"] = App(root, "martin", "teacher", "M. Martin")
        apps["t2"] = App(root, "diallo", "teacher", "Mme Diallo")
        apps["school"] = App(root, "college", "school", "Collège Jean Moulin", ("--uai", "0951099D"))
        # The first teacher's and the school's browsers start when their camera's video
        # exists (ensure_browser): the fake capture device reads its file at start.
        for k in ("family", "t2"):
            app = apps[k]
            d = browser()
            drivers[k] = d
            d.get(app.url)
            wait_for(d, lambda d: d.current_url.rstrip("/") == app.base, what=f"{k} logged in")
        yield {"apps": apps, "drivers": drivers, "children": {}, "root": root}
    finally:
        for d in drivers.values():
            try:
                d.quit()
            finally:
                shutil.rmtree(d._profile, ignore_errors=True)
        for app in apps.values():
            app.stop()
        shutil.rmtree(root, ignore_errors=True)


PUPILS = [("Lina Moreau", "2014-03-02"), ("Hugo Petit", "2014-06-11"), ("Zoé Bernard", "2014-11-23")]


def accept_invitation(world, key, name, text, how):
    """The teacher (or jury) `key` accepts the invitation the family's screen shows, `how`:
    "camera" (its Chromium's fake camera films the QR code on the family's screen), "photo"
    (a picture of it) or "text" (pasted); the teacher's page names the child and the family's
    page hears of it live. (One step, for the redeem flow to change in one place.)"""
    fam = world["drivers"]["family"]
    base = world["apps"][key].base
    if how == "camera":
        teacher = ensure_browser(world, key, camera=qr_video(fam, "figure.qr"))
        teacher.get(base + "/")
        if world["apps"][key].role == "teacher":
            teacher.find_element(By.ID, "class").send_keys("5B")
        send = lambda: click_and_wait(teacher, "#accept-scanner .scan-start", timeout=60)
    else:
        teacher = ensure_browser(world, key)
        teacher.get(base + "/")
        if how == "photo":
            photo = os.path.join(tempfile.mkdtemp(prefix="livret-photo-"), "qr.png")
            fam.find_element(By.CSS_SELECTOR, "figure.qr").screenshot(photo)
            teacher.find_element(By.ID, "photo").send_keys(photo)
            teacher.find_element(By.ID, "photo-class").send_keys("5B")
            send = lambda: submit(teacher, "form[enctype='multipart/form-data']")
        else:
            teacher.find_element(By.ID, "invitation").send_keys(text)
            if world["apps"][key].role == "teacher":
                teacher.find_element(By.ID, "class").send_keys("5B")
            send = lambda: submit(teacher, "form[action='/accept']")
    # The redeem waits for the family: its page moves live to the confirmation of who redeemed,
    # with the name and the code the redeeming app shows; the family confirms.
    code = teacher_code(teacher, text)
    label = world["apps"][key].label
    first = "family-confirms-redeem" not in world.setdefault("shots", set())
    world["shots"].add("family-confirms-redeem")
    confirmation = accept_with_family(fam, send, first=first)
    assert label in confirmation and code in confirmation, confirmation
    assert label in fam.find_element(By.CSS_SELECTOR, ".notice").text
    notice = wait_for(teacher, lambda d: d.find_elements(By.CSS_SELECTOR, ".notice"),
                      what="accepted")[0].text
    assert "Invitation acceptée" in notice and name in notice, text_of(teacher)
    return teacher


def test_a_family_invites_and_teachers_accept_by_camera_text_photo(world):
    fam = world["drivers"]["family"]
    base = world["apps"]["family"].base
    fam.get(base + "/")
    assert "Vos enfants" in text_of(fam)
    shot(fam, "family-home")
    axe(fam, "family home")

    # A refused action: a birth date in the future; the API's message, nothing written.
    fam.find_element(By.ID, "name").send_keys("Lina Moreau")
    fam.execute_script("document.getElementById('birth').value = '2999-01-01'")
    submit(fam, "form[action='/children']")
    try:
        alert = wait_for(fam, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"),
                         what="refusal shown")[0].text
    except Exception:
        raise AssertionError(f"no refusal shown: {fam.current_url}: {text_of(fam)}")
    assert "birth" in alert or "date" in alert.lower(), alert
    assert fam.find_elements(By.CSS_SELECTOR, "ul.cards li") == []

    for name, birth in PUPILS:
        fam.get(base + "/")
        field = fam.find_element(By.ID, "name")
        field.clear()
        field.send_keys(name)
        fam.execute_script(f"document.getElementById('birth').value = '{birth}'")
        submit(fam, "form[action='/children']")
        wait_for(fam, lambda d: "/livrets/" in d.current_url, what="livret page")
        assert name in fam.find_element(By.TAG_NAME, "h1").text
        world["children"][name] = fam.current_url.split("/livrets/")[1].split("?")[0]

    for i, (name, _) in enumerate(PUPILS):
        for key in ["t1"] + (["t2"] if i == 0 else []):
            fam.get(f"{base}/livrets/{world['children'][name]}/invite")
            if i == 0 and key == "t1":
                shot(fam, "family-invite-form")
                axe(fam, "invite form")
            submit(fam, "form.stack")
            text = fam.find_element(By.ID, "invitation-text").get_attribute("value")
            assert text.startswith("LIVRET:"), text
            assert fam.find_element(By.CSS_SELECTOR, "figure.qr svg").is_displayed()
            if i == 0 and key == "t1":
                shot(fam, "family-invitation")
                axe(fam, "invitation")
                # The first one through the camera: a video of the QR code as displayed.
                how = "camera"
            elif i == 2:
                # The third one from a photo of the screen: the QR code as displayed.
                how = "photo"
            else:
                how = "text"
            accept_invitation(world, key, name, text, how)
    t1 = world["drivers"]["t1"]
    # A photo with no QR code in it: a message, nothing accepted.
    t1.get(world["apps"]["t1"].base + "/")
    blank = os.path.join(tempfile.mkdtemp(prefix="livret-photo-"), "blank.png")
    fam.find_element(By.TAG_NAME, "h1").screenshot(blank)
    t1.find_element(By.ID, "photo").send_keys(blank)
    submit(t1, "form[enctype='multipart/form-data']")
    alert = wait_for(t1, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"), what="no QR")[0].text
    assert "Aucun code QR lisible" in alert, alert
    t1.get(world["apps"]["t1"].base + "/")
    home = text_of(t1)
    for name, _ in PUPILS:
        assert name in home
    shot(t1, "teacher-home")
    axe(t1, "teacher home")


def fill_row_with_keyboard(driver, first_field, cells, synthesis, vie):
    """Types a whole row without the mouse: Tab from field to field."""
    driver.execute_script("arguments[0].focus()", first_field)
    for level, text in cells:
        active = driver.switch_to.active_element
        assert active.tag_name == "select", active.get_attribute("name")
        active.send_keys(level)                      # the option starting with this digit
        active.send_keys(Keys.TAB)                   # -> mark
        driver.switch_to.active_element.send_keys(Keys.TAB)   # -> appreciation
        driver.switch_to.active_element.send_keys(text)
        driver.switch_to.active_element.send_keys(Keys.TAB)   # -> next subject
    driver.switch_to.active_element.send_keys(synthesis)
    for n in vie:
        driver.switch_to.active_element.send_keys(Keys.TAB)
        driver.switch_to.active_element.send_keys(str(n))


SUBJECTS = ["FRANCS", "MATHEM", "HISGEO", "ANGLV1"]


def test_b_teacher_fills_the_grid_signs_and_the_family_sees_it(world):
    t1 = world["drivers"]["t1"]
    fam = world["drivers"]["family"]
    base = world["apps"]["t1"].base
    year = school_year()
    t1.get(base + "/classes/5B")
    assert "Lina Moreau" in text_of(t1)
    shot(t1, "teacher-class")
    axe(t1, "class page")
    submit(t1, "form.stack")
    wait_for(t1, lambda d: d.find_elements(By.ID, "grid"), what="grid")
    assert "Trimestre 1" in t1.find_element(By.TAG_NAME, "h1").text
    ids = [world["children"][n] for n, _ in PUPILS]

    # Row 1 by keyboard only.
    first = t1.find_element(By.NAME, f"c.{ids[0]}.FRANCS.level")
    row1 = [("3", "Lina progresse nettement en rédaction."), ("4", "Excellents résultats."),
            ("2", "Connaissances à consolider."), ("3", "Bonne compréhension orale.")]
    fill_row_with_keyboard(t1, first, row1, "Trimestre sérieux et régulier.", [1, 2, 0])
    ta = t1.find_element(By.NAME, f"c.{ids[0]}.FRANCS.text")
    count = t1.find_element(By.ID, f"c.{ids[0]}.FRANCS.count").text
    assert count == f"{len(row1[0][1])} / 600", count
    assert "is-draft" in ta.find_element(By.XPATH, "..").get_attribute("class")

    # Drafts survive a reload, and nothing is signed yet.
    t1.refresh()
    wait_for(t1, lambda d: d.find_element(By.NAME, f"c.{ids[0]}.FRANCS.text").get_attribute("value")
             == row1[0][1], what="draft restored")
    assert Select(t1.find_element(By.NAME, f"c.{ids[0]}.MATHEM.level")).first_selected_option.get_attribute("value") == "4"

    # Rows 2 and 3 with the mouse; one cell has both a positioning and a mark (refused).
    for r, pid in enumerate(ids[1:], start=2):
        for j, code in enumerate(SUBJECTS):
            Select(t1.find_element(By.NAME, f"c.{pid}.{code}.level")).select_by_value(str(1 + (r + j) % 4))
            t1.find_element(By.NAME, f"c.{pid}.{code}.text").send_keys(f"Appréciation {code} élève {r}.")
    bad = t1.find_element(By.NAME, f"c.{ids[1]}.MATHEM.mark")
    bad.send_keys("12")
    shot(t1, "teacher-grid-drafts")
    axe(t1, "grid")
    t1.find_element(By.ID, "sign").click()
    wait_for(t1, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert], .notice"), what="saved")
    page = text_of(t1)
    assert "13 inscription(s) signée(s)" in page, page
    assert "1 cellule(s) refusée(s)" in page, page
    cell = t1.find_element(By.CSS_SELECTOR, "td.cell-error")
    assert "Refusé, rien n'a été écrit" in cell.text
    shot(t1, "teacher-grid-refused")
    axe(t1, "grid with a refused cell")
    # The refused cell's draft stays; the others are gone.
    drafts = t1.execute_script("return Object.keys(localStorage).filter(k => k.startsWith('livret-draft:'))")
    assert drafts and all(f"c.{ids[1]}.MATHEM" in k for k in drafts), drafts

    # Corrected: the mark goes, signed again.
    t1.find_element(By.NAME, f"c.{ids[1]}.MATHEM.mark").clear()
    t1.find_element(By.ID, "sign").click()
    wait_for(t1, lambda d: "1 inscription(s) signée(s)" in text_of(d), what="second save")
    assert not t1.find_elements(By.CSS_SELECTOR, "td.cell-error")
    drafts = t1.execute_script("return Object.keys(localStorage).filter(k => k.startsWith('livret-draft:'))")
    assert drafts == [], drafts
    shot(t1, "teacher-grid")
    narrow_shot(t1, "teacher-grid-narrow")

    # Synchroniser.
    report = sync(t1)
    assert "Parent de Lina" in report and "refus" not in report, report

    # The family sees each entry, by M. Martin, with a valid signature.
    fbase = world["apps"]["family"].base
    fam.get(f"{fbase}/livrets/{ids[0]}")
    entries = fam.find_elements(By.CSS_SELECTOR, "article.entry[data-kind=subject]")
    assert len(entries) == 4, text_of(fam)
    for e in entries:
        assert e.find_element(By.CSS_SELECTOR, ".author").text == "M. Martin"
        assert e.get_attribute("data-signature") == "valid"
        assert "signature valide" in e.text
    assert fam.find_elements(By.CSS_SELECTOR, "article.entry[data-kind=synthesis][data-signature=valid]")
    assert fam.find_elements(By.CSS_SELECTOR, "article.entry[data-kind=vie-scolaire][data-signature=valid]")
    assert "Lina progresse nettement en rédaction." in text_of(fam)
    shot(fam, "family-livret")
    axe(fam, "livret")
    narrow_shot(fam, "family-livret-narrow")
    fam.get(f"{fbase}/livrets/{ids[1]}")
    assert len(fam.find_elements(By.CSS_SELECTOR, "article.entry[data-kind=subject][data-signature=valid]")) == 4

    # The paper PDF downloads.
    head = fam.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        f"fetch('/livrets/{ids[0]}/livret.pdf').then(r => r.arrayBuffer().then(b =>"
        " done([r.status, r.headers.get('content-type'), new TextDecoder().decode(b.slice(0, 5))])))"
        ".catch(e => done([0, String(e), '']));"
    )
    assert head == [200, "application/pdf", "%PDF-"], head

    fam.get(f"{fbase}/livrets/{ids[0]}/audit")
    assert "inscription" in text_of(fam) or "autorisation accordée" in text_of(fam)
    shot(fam, "family-audit")
    axe(fam, "audit")


def test_c_family_revokes_a_teacher(world):
    fam = world["drivers"]["family"]
    t2 = world["drivers"]["t2"]
    fbase = world["apps"]["family"].base
    lina = world["children"]["Lina Moreau"]
    t2.get(world["apps"]["t2"].base + "/classes/5B")
    assert "Lina Moreau" in text_of(t2)

    fam.get(f"{fbase}/livrets/{lina}/grants")
    rows = fam.find_elements(By.CSS_SELECTOR, "tr[data-grant]")
    assert len(rows) == 2, text_of(fam)
    shot(fam, "family-grants")
    axe(fam, "grants")
    row = next(r for r in rows if "Mme Diallo" in r.text)
    row.find_element(By.CSS_SELECTOR, "a.button.danger").click()
    assert "Révoquer cette autorisation" in text_of(fam)
    shot(fam, "family-revoke-confirm")
    axe(fam, "revoke confirmation")
    # Cancel first: nothing changes.
    fam.find_element(By.LINK_TEXT, "Annuler").click()
    assert all("active" in r.text for r in fam.find_elements(By.CSS_SELECTOR, "tr[data-grant]"))
    row = next(r for r in fam.find_elements(By.CSS_SELECTOR, "tr[data-grant]") if "Mme Diallo" in r.text)
    row.find_element(By.CSS_SELECTOR, "a.button.danger").click()
    fam.find_element(By.CSS_SELECTOR, "main form button.danger").click()
    wait_for(fam, lambda d: "Autorisation révoquée" in text_of(d), what="revoked")
    row = next(r for r in fam.find_elements(By.CSS_SELECTOR, "tr[data-grant]") if "Mme Diallo" in r.text)
    assert "révoquée" in row.text
    martin = next(r for r in fam.find_elements(By.CSS_SELECTOR, "tr[data-grant]") if "M. Martin" in r.text)
    assert "active" in martin.text

    # The second teacher syncs: told of the revocation, its copy goes. (The family's node
    # also closes a revoked device's connections every two seconds; a session caught by that
    # ends before the notice, so the teacher tries again, as its next sync would.)
    reports = []
    for _ in range(3):
        t2.get(world["apps"]["t2"].base + "/")
        reports.append(sync(t2))
        t2.get(world["apps"]["t2"].base + "/classes/5B")
        if "Lina Moreau" not in text_of(t2):
            break
    assert "Lina Moreau" not in text_of(t2), reports
    t2.get(world["apps"]["t2"].base + "/")
    assert "Lina Moreau" not in text_of(t2)


def test_d_english_switch(world):
    fam = world["drivers"]["family"]
    base = world["apps"]["family"].base
    fam.get(base + "/")
    fam.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait_for(fam, lambda d: "Your children" in text_of(d), what="English")
    assert fam.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    axe(fam, "home in English")
    fam.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait_for(fam, lambda d: "Vos enfants" in text_of(d), what="French again")


def test_e_school_certifies_a_teacher_by_scanning_its_qr(world):
    t1 = world["drivers"]["t1"]
    fam = world["drivers"]["family"]
    t1.get(world["apps"]["t1"].base + "/")
    device_id = t1.find_element(By.ID, "device-id").text
    # The school's camera films the teacher's device QR code as the teacher's screen shows it.
    school = ensure_browser(world, "school", camera=qr_video(t1, "#device-qr"))
    school.get(world["apps"]["school"].base + "/")
    card = school.find_element(By.ID, "card-text").get_attribute("value")
    assert card.startswith("LIVRET-ECOLE:"), card
    world["school_card"] = card
    shot(school, "school-home")
    axe(school, "school home")
    # By the keyboard: the scan button takes Enter.
    start = school.find_element(By.CSS_SELECTOR, "#teacher-scanner .scan-start")
    school.execute_script("arguments[0].focus()", start)
    school.switch_to.active_element.send_keys(Keys.ENTER)
    try:
        wait_for(school, lambda d: d.find_element(By.ID, "teacher").get_attribute("value") == device_id,
                 timeout=40, what="teacher's QR code read by the camera")
    except Exception:
        status = school.find_element(By.CSS_SELECTOR, "#teacher-scanner .scan-status").text
        value = school.find_element(By.ID, "teacher").get_attribute("value")
        raise AssertionError(f"camera: {status!r}, field {value!r}, expected {device_id!r}")
    # The text read is in the field; the next field has the focus.
    assert school.switch_to.active_element.get_attribute("id") == "teacher-name"
    school.switch_to.active_element.send_keys("M. Martin")
    school.execute_script("document.getElementById('cert-until').value = '2099-08-31'")
    submit(school, "form[action='/certify']")
    cert = wait_for(school, lambda d: d.find_elements(By.ID, "certificate-text"), what="certificate")[0]
    text = cert.get_attribute("value")
    assert text.startswith("LIVRET-CERT:"), text
    shot(school, "school-certificate")
    axe(school, "certificate")
    t1.find_element(By.ID, "certificate").send_keys(text)
    submit(t1, "form[action='/certificate']")
    wait_for(t1, lambda d: "Certificat importé" in text_of(d), what="certificate imported")
    fam.get(world["apps"]["family"].base + "/")
    fam.find_element(By.ID, "card").send_keys(card)
    submit(fam, "form[action='/trust']")
    wait_for(fam, lambda d: "Collège Jean Moulin" in text_of(d), what="trusted")

    # The teacher's next entry carries the certificate: written, signed, synced.
    lina = world["children"]["Lina Moreau"]
    t1.get(world["apps"]["t1"].base + "/classes/5B")
    submit(t1, "form.stack")
    field = wait_for(t1, lambda d: d.find_elements(By.NAME, f"c.{lina}.FRANCS.text"), what="grid")[0]
    field.clear()
    field.send_keys("Lina progresse nettement en rédaction et en lecture.")
    t1.find_element(By.ID, "sign").click()
    wait_for(t1, lambda d: "1 inscription(s) signée(s)" in text_of(d), what="signed")
    report = sync(t1)
    assert "Parent de Lina" in report and "refus" not in report, report
    # The family's page shows it certified by the school it trusts.
    fam.get(f"{world['apps']['family'].base}/livrets/{lina}")
    certified = fam.find_elements(By.CSS_SELECTOR, "article.entry[data-signature=certified]")
    assert len(certified) == 1, text_of(fam)
    assert "Lina progresse nettement en rédaction et en lecture." in certified[0].text
    assert "signature certifiée" in certified[0].text
    shot(fam, "family-livret-certified")
    axe(fam, "livret with a certified entry")


def fetch_bytes(driver, path):
    """A download through the page's session: (status, bytes)."""
    import base64
    status, b64 = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.arrayBuffer().then(b => {"
        " const u = new Uint8Array(b); let s = '';"
        " for (let i = 0; i < u.length; i += 32768) {"
        "  s += String.fromCharCode.apply(null, u.subarray(i, i + 32768)); }"
        " done([r.status, btoa(s)]); })).catch(e => done([0, '']));", path)
    return status, base64.b64decode(b64)


def test_f_family_consents_forgets_deletes_and_downloads_the_pdf(world):
    fam = world["drivers"]["family"]
    fbase = world["apps"]["family"].base
    lina = world["children"]["Lina Moreau"]
    year = school_year()

    # accompagnement behind the consent notice.
    fam.get(f"{fbase}/livrets/{lina}")
    fam.find_element(By.CSS_SELECTOR, f"nav.actions a[href='/livrets/{lina}/accompagnement']").click()
    wait_for(fam, lambda d: d.find_elements(By.ID, "consent-notice"), what="consent notice")
    assert "Ouvrir la section sensible" in fam.find_element(By.TAG_NAME, "h1").text
    shot(fam, "family-consent")
    axe(fam, "consent")
    narrow_shot(fam, "family-consent-narrow")
    # Without the box ticked (the browser's check taken away): refused, nothing opened.
    fam.execute_script("document.getElementById('consent').required = false")
    submit(fam, "form[action$='/accompagnement/open']")
    alert = wait_for(fam, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"), what="refused")[0]
    assert "consentement" in alert.text, alert.text
    assert fam.find_elements(By.ID, "consent-notice")
    # By the keyboard: tick the box with the space bar, submit with Enter.
    box = fam.find_element(By.ID, "consent")
    fam.execute_script("arguments[0].focus()", box)
    fam.switch_to.active_element.send_keys(Keys.SPACE)
    assert box.is_selected()
    submit(fam, "form[action$='/accompagnement/open']")
    wait_for(fam, lambda d: "Section « accompagnement » ouverte." in text_of(d), what="opened")
    Select(fam.find_element(By.ID, "measure")).select_by_value("PAP")
    fam.execute_script(f"document.getElementById('m-start').value = '{year}-09-15'")
    fam.find_element(By.ID, "m-note").send_keys("Temps majoré aux évaluations.")
    submit(fam, "form[action$='/accompagnement']")
    wait_for(fam, lambda d: "Mesure écrite et signée" in text_of(d), what="measure written")
    assert "Temps majoré aux évaluations." in text_of(fam)
    shot(fam, "family-accompagnement")
    axe(fam, "accompagnement")

    # Forget one entry (confirmation page; cancel first changes nothing).
    gone = "Bonne compréhension orale."
    def forget_link():
        fam.get(f"{fbase}/livrets/{lina}")
        entry = next(e for e in fam.find_elements(By.CSS_SELECTOR, "article.entry[data-kind=subject]")
                     if gone in e.text)
        return entry.find_element(By.CSS_SELECTOR, "a.forget")
    forget_link().click()
    wait_for(fam, lambda d: "Effacer cette inscription" in text_of(d), what="forget confirmation")
    assert gone in text_of(fam)
    shot(fam, "family-forget-confirm")
    axe(fam, "forget confirmation")
    fam.find_element(By.LINK_TEXT, "Annuler").click()
    wait_for(fam, lambda d: gone in text_of(d), what="back, nothing erased")
    forget_link().click()
    wait_for(fam, lambda d: "Effacer cette inscription" in text_of(d), what="forget confirmation")
    submit(fam, "main form", "button.danger")
    wait_for(fam, lambda d: "Inscription effacée" in text_of(d), what="forgotten")
    fam.get(f"{fbase}/livrets/{lina}")
    assert gone not in text_of(fam)
    assert len(fam.find_elements(By.CSS_SELECTOR, "article.entry[data-kind=subject]")) == 3

    # The paper PDF: the entries are in it, the forgotten one is not.
    status, pdf = fetch_bytes(fam, f"/livrets/{lina}/livret.pdf")
    assert status == 200 and pdf.startswith(b"%PDF-"), status
    path = os.path.join(tempfile.mkdtemp(prefix="livret-pdf-"), "livret.pdf")
    with open(path, "wb") as f:
        f.write(pdf)
    text = subprocess.run(["pdftotext", "-layout", path, "-"], check=True, capture_output=True,
                          text=True).stdout
    flat = " ".join(text.split())
    for phrase in ["Excellents résultats.", "Connaissances à consolider.", "Lina Moreau"]:
        assert phrase in flat, (phrase, flat[:2000])
    assert gone not in flat

    # Delete a livret: a confirmation with a box; without it, refused and nothing deleted.
    zoe = world["children"]["Zoé Bernard"]
    fam.get(f"{fbase}/livrets/{zoe}")
    fam.find_element(By.CSS_SELECTOR, "nav.actions a.danger").click()
    wait_for(fam, lambda d: "Supprimer définitivement ce livret" in text_of(d), what="delete confirmation")
    shot(fam, "family-delete-confirm")
    axe(fam, "delete confirmation")
    fam.execute_script("document.getElementById('delete-confirm').required = false")
    submit(fam, "main form", "button.danger")
    alert = wait_for(fam, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"), what="refused")[0]
    assert "rien n'a été supprimé" in alert.text, alert.text
    fam.get(fbase + "/")
    assert "Zoé Bernard" in text_of(fam)
    fam.get(f"{fbase}/livrets/{zoe}/delete")
    fam.find_element(By.ID, "delete-confirm").click()
    submit(fam, "main form", "button.danger")
    wait_for(fam, lambda d: "Livret supprimé de cet appareil." in text_of(d), what="deleted")
    fam.get(fbase + "/")
    assert "Zoé Bernard" not in text_of(fam)
    assert "Lina Moreau" in text_of(fam)


def test_g_jury_accepts_an_extract_with_no_name_birth_or_school(world):
    fam = world["drivers"]["family"]
    fbase = world["apps"]["family"].base
    lina = world["children"]["Lina Moreau"]
    world["apps"]["jury"] = App(world["root"], "jury", "jury", "Jury du bac")
    fam.get(f"{fbase}/livrets/{lina}")
    fam.find_element(By.CSS_SELECTOR, f"nav.actions a[href='/livrets/{lina}/extract']").click()
    wait_for(fam, lambda d: d.find_elements(By.CSS_SELECTOR, "form[action$='/extract']"), what="extract form")
    shot(fam, "family-extract-form")
    axe(fam, "extract form")
    submit(fam, "form[action$='/extract']")
    text = wait_for(fam, lambda d: d.find_elements(By.ID, "invitation-text"),
                    what="extract invitation")[0].get_attribute("value")
    assert text.startswith("LIVRET:"), text
    shot(fam, "family-extract")
    axe(fam, "extract invitation")

    # The jury's camera films the extract's QR code on the family's screen.
    jury = ensure_browser(world, "jury", camera=qr_video(fam, "figure.qr"))
    jbase = world["apps"]["jury"].base
    jury.get(jbase + "/")
    assert "Aucun extrait" in text_of(jury)
    code = teacher_code(jury, text)
    confirmation = accept_with_family(
        fam, lambda: click_and_wait(jury, "#accept-scanner .scan-start", timeout=60))
    assert "Jury du bac" in confirmation and code in confirmation, confirmation
    assert "extrait anonyme pour un jury" in confirmation, confirmation
    notice = wait_for(jury, lambda d: d.find_elements(By.CSS_SELECTOR, ".notice"), what="accepted")[0]
    assert "extrait" in notice.text, text_of(jury)
    forbidden = ["Lina Moreau", "Moreau", "2014-03-02", "02/03/2014", "2014", "Collège", "Jean Moulin",
                 "0951099D", "Parent de Lina"]
    home = text_of(jury)
    assert not [w for w in forbidden if w in home], home
    shot(jury, "jury-home")
    axe(jury, "jury home")
    jury.find_element(By.CSS_SELECTOR, "ul.cards a").click()
    wait_for(jury, lambda d: d.find_elements(By.ID, "verification"), what="extract page")
    page = text_of(jury)
    assert not [w for w in forbidden if w in page], page
    assert "Excellents résultats." in page
    assert "Toutes les signatures se vérifient." in page, page
    assert "signature" in jury.find_element(By.ID, "verification").text
    # Nothing of the family's actions on a jury's page.
    assert not jury.find_elements(By.CSS_SELECTOR, "a.forget, nav.actions")
    assert "dont 0 certifiée(s)" in page, page
    # The jury trusts the school: the entry its certified teacher wrote is certified.
    jury.get(jbase + "/")
    jury.find_element(By.ID, "card").send_keys(world["school_card"])
    submit(jury, "form[action='/trust']")
    wait_for(jury, lambda d: "Établissement ajouté" in text_of(d), what="jury trusts the school")
    # A jury keeps the school's key only, never its name or UAI.
    jury.get(jbase + "/")
    home = text_of(jury)
    assert not [w for w in forbidden if w in home], home
    jury.find_element(By.CSS_SELECTOR, "ul.cards a").click()
    wait_for(jury, lambda d: d.find_elements(By.ID, "verification"), what="extract page")
    page = text_of(jury)
    assert "dont 1 certifiée(s)" in page, page
    assert jury.find_elements(By.CSS_SELECTOR, "article.entry[data-signature=certified]")
    shot(jury, "jury-extract")
    axe(jury, "jury extract")


def test_h_family_devices_recovery_sheet_and_json(world):
    fam = world["drivers"]["family"]
    fbase = world["apps"]["family"].base
    lina = world["children"]["Lina Moreau"]
    fam.get(fbase + "/")
    fam.find_element(By.CSS_SELECTOR, "main a[href='/devices']").click()
    wait_for(fam, lambda d: d.find_elements(By.ID, "lost"), what="devices page")
    # The devices this one exchanged with, by name, with the last exchange.
    seen = fam.find_element(By.CSS_SELECTOR, "ul.seen").text
    assert "M. Martin" in seen and "dernier échange le" in seen, seen
    # Each livret it owns lists the family's devices (this one first among them).
    owners = fam.find_element(By.CSS_SELECTOR, "table.owners").text
    assert "(cet appareil)" in owners and "en service" in owners, owners
    shot(fam, "family-devices")
    axe(fam, "devices")
    # Revoking an unknown device: the API's message, nothing changed.
    fam.find_element(By.ID, "lost").send_keys("k5m6atmh23j7nr47wjnjfkm24yf4d3ecpyyt5ex25t7rwv75l2mq")
    fam.find_element(By.ID, "revoke-confirm").click()
    submit(fam, "form[action='/devices/revoke']", "button.danger")
    alert = wait_for(fam, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"), what="refused")[0]
    assert "propriétaire d'aucun livret" in alert.text, alert.text
    # The recovery sheet (a PDF), through the form's own token.
    status, pdf = fam.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const f = document.querySelector(\"form[action='/recovery']\");"
        "const body = new URLSearchParams(new FormData(f)); body.set('confirm', 'yes');"
        "fetch('/recovery', {method: 'POST', body: body}).then(r => r.arrayBuffer().then(b =>"
        " done([r.status, new TextDecoder().decode(b.slice(0, 5))]))).catch(e => done([0, String(e)]));")
    assert (status, pdf) == (200, "%PDF-"), (status, pdf)
    fam.get(fbase + "/devices")
    assert "Une feuille a déjà été imprimée" in text_of(fam)
    # The JSON export of a livret.
    status, data = fetch_bytes(fam, f"/livrets/{lina}/export.json")
    assert status == 200 and b'"livret-export/1"' in data, status

    # The new screens in English too.
    fam.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait_for(fam, lambda d: "Devices and safekeeping" in text_of(d), what="English")
    axe(fam, "devices in English")
    fam.get(f"{fbase}/livrets/{lina}/accompagnement")
    assert "Support" in text_of(fam) or "Measures" in text_of(fam), text_of(fam)
    axe(fam, "accompagnement in English")
    fam.get(f"{fbase}/livrets/{lina}/delete")
    assert "Delete this livret for good?" in text_of(fam)
    fam.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait_for(fam, lambda d: "Supprimer définitivement" in text_of(d), what="French again")


def test_i_teacher_cycle_bilan_lsu_and_sync_progress(world):
    """The teacher's end-of-cycle bilan (typed with the keyboard only; refused: the family
    granted the year, not the cycles section; nothing written), the LSU export (refused: the
    school's identifiers are missing) and import (a file that is not LSU: refused, no
    confirmation offered), « Synchroniser » with one line per family from /sync/status; in
    French and in English, axe-core on each screen."""
    t1 = world["drivers"]["t1"]
    base = world["apps"]["t1"].base
    lina = world["children"]["Lina Moreau"]
    t1.get(base + "/classes/5B")
    link = t1.find_element(By.CSS_SELECTOR, f"a[href='/livrets/{lina}/cycle']")
    assert "Bilan de fin de cycle" in link.text
    assert t1.find_element(By.ID, "lsu-h").text == "Fichier LSU"
    axe(t1, "class page with its LSU section")
    link.click()
    wait_for(t1, lambda d: d.find_elements(By.ID, "cycle-form"), what="cycle page")
    assert "Bilan de fin de cycle — Lina Moreau" in t1.find_element(By.TAG_NAME, "h1").text
    # Every field labelled.
    for sel in t1.find_elements(By.CSS_SELECTOR, "#cycle-form select, #cycle-form textarea"):
        fid = sel.get_attribute("id")
        assert t1.find_elements(By.CSS_SELECTOR, f"label[for='{fid}']"), fid
    # The keyboard only: eight levels, the synthesis, then Enter on the button.
    first = t1.find_element(By.ID, "comp0")
    t1.execute_script("arguments[0].focus()", first)
    for i in range(8):
        active = t1.switch_to.active_element
        assert active.get_attribute("id") == f"comp{i}", active.get_attribute("id")
        active.send_keys("3")
        active.send_keys(Keys.TAB)
    active = t1.switch_to.active_element
    assert active.get_attribute("id") == "cycle-synthesis"
    text = "Lina maîtrise les attendus du cycle."
    active.send_keys(text)
    assert t1.find_element(By.ID, "cycle-synthesis.count").text == f"{len(text)} / 1500"
    active.send_keys(Keys.TAB)
    button = t1.switch_to.active_element
    assert button.tag_name == "button", button.tag_name
    shot(t1, "teacher-cycle")
    axe(t1, "end-of-cycle bilan")
    mark = f"m{time.monotonic_ns()}"
    t1.execute_script("window.__livretPage = arguments[0];", mark)
    button.send_keys(Keys.ENTER)
    alert = wait_for(t1, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"),
                     what="cycle refused")[0].text
    assert "cycles" in alert, alert
    # What was typed is still there; nothing was signed.
    assert t1.find_element(By.ID, "cycle-synthesis").get_attribute("value") == text
    assert Select(t1.find_element(By.ID, "comp7")).first_selected_option.get_attribute("value") == "3"
    assert "signé et enregistré" not in text_of(t1)
    shot(t1, "teacher-cycle-refused")
    axe(t1, "end-of-cycle bilan refused")

    # LSU export of term 1: refused while the school's identifiers are missing.
    t1.get(base + "/classes/5B")
    submit(t1, "form[action='/classes/5B/lsu.xml']")
    alert = wait_for(t1, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"),
                     what="export refused")[0].text
    assert alert, text_of(t1)
    axe(t1, "LSU export refused")
    # LSU import: a file that is not LSU: its message, no confirmation offered.
    bad = os.path.join(tempfile.mkdtemp(prefix="livret-lsu-"), "lsu.xml")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("<lsu>pas un fichier LSU</lsu>")
    t1.get(base + "/classes/5B")
    t1.find_element(By.ID, "lsu-file").send_keys(bad)
    submit(t1, "form[action^='/lsu/import']")
    alert = wait_for(t1, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"),
                     what="import refused")[0].text
    assert alert, text_of(t1)
    assert "Import LSU" in t1.find_element(By.TAG_NAME, "h1").text
    assert not t1.find_elements(By.CSS_SELECTOR, "form[action='/lsu/confirm']")
    shot(t1, "teacher-lsu-refused")
    axe(t1, "LSU import refused")

    # The identifiers the file needs, on the class page; a wrong UAI is refused first.
    t1.get(base + "/classes/5B")
    t1.find_element(By.ID, "lsu-uai").send_keys("pas une UAI")
    t1.find_element(By.ID, "lsu-head").send_keys("Mme Leroy")
    t1.find_element(By.ID, "lsu-sts").send_keys("1001")
    submit(t1, "form[action='/lsu/school']")
    assert wait_for(t1, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"), what="UAI refused")
    uai = t1.find_element(By.ID, "lsu-uai")
    assert uai.get_attribute("value") == "", "nothing was recorded"
    uai.send_keys("0951099D")
    t1.find_element(By.ID, "lsu-head").send_keys("Mme Leroy")
    t1.find_element(By.ID, "lsu-sts").send_keys("1001")
    submit(t1, "form[action='/lsu/school']")
    wait_for(t1, lambda d: "Identifiants enregistrés." in text_of(d), what="ids saved")
    n = len(t1.find_elements(By.CSS_SELECTOR, "form[action='/lsu/pupil']"))
    for i in range(n):
        field = t1.find_element(By.ID, f"idbe{i}")
        field.clear()
        field.send_keys(str(100001 + i))
        submit(t1, f"form[action='/lsu/pupil']:has(#idbe{i})")
        wait_for(t1, lambda d: "Identifiants enregistrés." in text_of(d), what="id-be saved")
    shot(t1, "teacher-lsu")
    axe(t1, "class page with the LSU identifiers")
    # The file needs each pupil's synthesis and vie scolaire: the grid completes term 1.
    year = school_year()
    t1.get(f"{base}/classes/5B/grid?year={year}&period=1%2F3")
    wait_for(t1, lambda d: d.find_elements(By.ID, "grid"), what="grid")
    for name, _ in PUPILS[1:]:
        pid = world["children"][name]
        t1.find_element(By.NAME, f"s.{pid}").send_keys(f"Trimestre encourageant pour {name}.")
        for field in ("late", "justified", "unjustified"):
            t1.find_element(By.NAME, f"v.{pid}.{field}").send_keys("0")
    t1.find_element(By.ID, "sign").click()
    wait_for(t1, lambda d: d.find_elements(By.CSS_SELECTOR, ".notice, [role=alert]"), what="term completed")
    assert not t1.find_elements(By.CSS_SELECTOR, "[role=alert]"), text_of(t1)
    assert "inscription(s) signée(s)" in t1.find_element(By.CSS_SELECTOR, ".notice").text
    # The export downloads; imported again: a preview first (nothing written), then confirmed.
    status, data = fetch_bytes(t1, f"/classes/5B/lsu.xml?year={year}&period=1%2F3")
    assert status == 200 and b"Lina progresse nettement" in data, (
        status, re.sub(r"<[^>]+>", " ", data.decode("utf-8", "replace")).split("Erreur")[-1][:600])
    lsu = os.path.join(tempfile.mkdtemp(prefix="livret-lsu-"), "lsu-5B.xml")
    with open(lsu, "wb") as f:
        f.write(data)
    t1.get(base + "/classes/5B")
    t1.find_element(By.ID, "lsu-file").send_keys(lsu)
    submit(t1, "form[action^='/lsu/import']")
    wait_for(t1, lambda d: d.find_elements(By.ID, "lsu-report"), what="preview")
    assert "Aperçu : rien n'a encore été écrit." in text_of(t1)
    assert "serait écrit" in t1.find_element(By.ID, "lsu-report").text
    shot(t1, "teacher-lsu-preview")
    axe(t1, "LSU import preview")
    submit(t1, "form[action='/lsu/confirm']")
    wait_for(t1, lambda d: "inscription(s) signée(s)" in text_of(d), what="imported")
    assert "écrit" in t1.find_element(By.ID, "lsu-report").text
    axe(t1, "LSU import done")

    # « Synchroniser »: one line per family; the status the page follows says the same.
    t1.get(base + "/")
    assert t1.find_element(By.ID, "sync-progress").get_attribute("hidden") is not None
    report = sync(t1)
    assert "Parent de Lina" in report, report
    status = t1.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/sync/status').then(r => r.json()).then(done).catch(e => done({error: String(e)}));")
    assert status.get("running") is False, status
    assert status["total"] >= 1 and len(status["lines"]) == status["total"], status
    assert any("Parent de Lina" in line["text"] for line in status["lines"]), status
    shot(t1, "teacher-sync")
    axe(t1, "sync report")

    # In English.
    t1.get(f"{base}/livrets/{lina}/cycle")
    t1.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait_for(t1, lambda d: "End-of-cycle bilan" in text_of(d), what="English")
    axe(t1, "end-of-cycle bilan in English")
    t1.get(base + "/classes/5B")
    assert "Download the LSU file" in text_of(t1)
    axe(t1, "class page in English")
    t1.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait_for(t1, lambda d: "Télécharger le fichier LSU" in text_of(d), what="French again")


def write_one_bilan(driver, base, pupil, subject, level, text):
    """One subject of one pupil in the grid of the third trimester, signed at once."""
    year = school_year()
    driver.get(f"{base}/classes/5B/grid?year={year}&period=3%2F3&subjects={subject}")
    wait_for(driver, lambda d: d.find_elements(By.ID, "grid"), what="grid")
    Select(driver.find_element(By.NAME, f"c.{pupil}.{subject}.level")).select_by_value(level)
    driver.find_element(By.NAME, f"c.{pupil}.{subject}.text").send_keys(text)
    driver.find_element(By.ID, "sign").click()
    wait_for(driver, lambda d: "1 inscription(s) signée(s)" in text_of(d), what=f"{subject} signed")


def test_j_a_teaching_team_granted_by_the_family_and_the_pps_class_page(world):
    """The school creates the class's team and adds both teachers' devices (a bad device id
    refused, nothing changed), shows the team's card; the family pastes it on its own device,
    sees the school, the class and the members, grants the team; the PP (first teacher) gets
    the team grant from the family, the colleague meets the PP once and gets it from the PP;
    each writes its subject; the PP's « Synchroniser » dials the colleague it met (the
    colleague never met the family), and the class page shows both subjects with their
    authors; the family's grants page lists the team grant, the roster in force and the
    roster's versions its journal noted."""
    fam = world["drivers"]["family"]
    t1 = world["drivers"]["t1"]
    t2 = world["drivers"]["t2"]
    school = ensure_browser(world, "school")
    fbase = world["apps"]["family"].base
    b1, b2 = world["apps"]["t1"].base, world["apps"]["t2"].base
    sbase = world["apps"]["school"].base
    # A pupil whose family grants the team only (no teacher invited one by one): every entry
    # of its year is then judged by the team grant on every member's device.
    fam.get(fbase + "/")
    fam.find_element(By.ID, "name").send_keys("Nina Roux")
    fam.execute_script("document.getElementById('birth').value = '2014-05-17'")
    submit(fam, "form[action='/children']")
    wait_for(fam, lambda d: "/livrets/" in d.current_url, what="livret page")
    nina = fam.current_url.split("/livrets/")[1].split("?")[0]
    t1.get(b1 + "/")
    id1 = t1.find_element(By.ID, "device-id").text
    t2.get(b2 + "/")
    id2 = t2.find_element(By.ID, "device-id").text

    # The school: a team for 5B, two members, each with its subject.
    school.get(sbase + "/")
    school.find_element(By.CSS_SELECTOR, "a[href='/teams']").click()
    wait_for(school, lambda d: d.find_elements(By.ID, "create-team"), what="teams page")
    school.find_element(By.ID, "team-class").send_keys("5B")
    school.find_element(By.ID, "team-name").send_keys("Équipe de 5B")
    submit(school, "#create-team")
    wait_for(school, lambda d: "Équipe créée" in text_of(d), what="team created")
    for device, subject in ((id1, "FRANCS"), (id2, "MATHEM")):
        school.find_element(By.CSS_SELECTOR, "form.add-member input[name=device]").send_keys(device)
        Select(school.find_element(By.CSS_SELECTOR, "form.add-member select")).select_by_value(subject)
        submit(school, "form.add-member")
        wait_for(school, lambda d: "Membre ajouté" in text_of(d), what="member added")
    # A device id that is none: the API's message, the roster unchanged.
    school.find_element(By.CSS_SELECTOR, "form.add-member input[name=device]").send_keys("PASUNAPPAREIL")
    submit(school, "form.add-member")
    wait_for(school, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"), what="refused")
    members = school.find_elements(By.CSS_SELECTOR, "table.roster tr[data-member]")
    assert sorted(m.get_attribute("data-member") for m in members) == sorted([id1, id2]), text_of(school)
    assert "liste version 3" in text_of(school), text_of(school)
    shot(school, "school-teams")
    axe(school, "school's teams")
    school.find_element(By.CSS_SELECTOR, "a[href$='/card']").click()
    card = wait_for(school, lambda d: d.find_elements(By.ID, "team-card-text"), what="card")[0]
    card = card.get_attribute("value")
    assert card.startswith("LIVRET-EQUIPE:"), card
    assert school.find_element(By.CSS_SELECTOR, "#team-qr svg").is_displayed()
    shot(school, "school-team-card")
    axe(school, "team card")
    photo = os.path.join(tempfile.mkdtemp(prefix="livret-photo-"), "team.png")
    school.find_element(By.CSS_SELECTOR, "#team-qr").screenshot(photo)

    # The family, on its own device: the card read, what it shows, the grant.
    fam.get(f"{fbase}/livrets/{nina}")
    fam.find_element(By.CSS_SELECTOR, f"nav.actions a[href='/livrets/{nina}/team']").click()
    wait_for(fam, lambda d: d.find_elements(By.ID, "team-card"), what="team form")
    axe(fam, "team card form")
    # A text that is no card: the API's message, nothing granted.
    fam.find_element(By.ID, "team-card").send_keys("LIVRET-EQUIPE:PASUNECARTE")
    submit(fam, "#read-card")
    wait_for(fam, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"), what="card refused")
    assert not fam.find_elements(By.ID, "grant-team")
    # A photo of the card as the school's screen shows it: read by the app.
    fam.find_element(By.ID, "team-photo").send_keys(photo)
    submit(fam, "form[enctype='multipart/form-data']")
    wait_for(fam, lambda d: d.find_elements(By.ID, "grant-team"), what="card read from a photo")
    assert fam.find_element(By.ID, "team-school").text == "Collège Jean Moulin"
    # Pasted, as well.
    fam.get(f"{fbase}/livrets/{nina}/team")
    fam.find_element(By.ID, "team-card").send_keys(card)
    submit(fam, "#read-card")
    wait_for(fam, lambda d: d.find_elements(By.ID, "grant-team"), what="card read")
    assert fam.find_element(By.ID, "team-school").text == "Collège Jean Moulin"
    assert "5B" in fam.find_element(By.ID, "team-class").text
    assert len(fam.find_elements(By.CSS_SELECTOR, "table.roster tr[data-member]")) == 2
    shot(fam, "family-team-card")
    axe(fam, "team card read")
    submit(fam, "#grant-team")
    wait_for(fam, lambda d: "Équipe autorisée" in text_of(d), what="team granted")
    row = fam.find_element(By.CSS_SELECTOR, "tr[data-team-grant]")
    assert "5B" in row.text and "active" in row.text and "chacun ses matières" in row.text, row.text

    # The PP gets the team grant from the family; the colleague meets the PP once (it holds
    # nothing yet: the PP's device delivers the grant).
    report = sync(t1)
    assert "Parent de Lina" in report and "refus" not in report, report
    t1.get(b1 + "/teams")
    assert "Équipe de 5B" in text_of(t1) and "cet appareil" in text_of(t1), text_of(t1)
    address = t1.find_element(By.CSS_SELECTOR, "code.address").text
    t2.get(b2 + "/")
    t2.find_element(By.CSS_SELECTOR, "a[href='/teams']").click()
    wait_for(t2, lambda d: d.find_elements(By.ID, "colleague"), what="my teams")
    t2.find_element(By.ID, "colleague").send_keys(address)
    submit(t2, "#sync-colleague")
    wait_for(t2, lambda d: d.find_elements(By.CSS_SELECTOR, ".notice, [role=alert]"), what="synced")
    assert "Synchronisation avec le collègue" in text_of(t2), text_of(t2)
    assert len(t2.find_elements(By.CSS_SELECTOR, "table.roster tr[data-member]")) == 2, text_of(t2)
    shot(t2, "teacher-my-teams")
    axe(t2, "my teams")
    t2.get(b2 + "/classes/5B")
    assert t2.find_elements(By.CSS_SELECTOR, f"a[href='/livrets/{nina}']"), text_of(t2)

    # Each writes its subject; the PP's « Synchroniser » reaches the colleague by itself.
    write_one_bilan(t1, b1, nina, "FRANCS", "3", "Nina rédige avec plus d'aisance.")
    write_one_bilan(t2, b2, nina, "MATHEM", "4", "Nina raisonne avec rigueur.")
    t1.get(b1 + "/")
    report = sync(t1)
    assert "Mme Diallo" in report, report
    t1.get(b1 + "/classes/5B?period=3%2F3")
    rows = t1.find_elements(By.CSS_SELECTOR, "#class-bilans tr[data-subject]")
    authors = {(r.get_attribute("data-subject"), r.get_attribute("data-author")) for r in rows
               if r.get_attribute("data-livret") == nina}
    assert ("FRANCS", id1) in authors and ("MATHEM", id2) in authors, [r.text for r in rows]
    mathem = next(r for r in rows if r.get_attribute("data-subject") == "MATHEM"
                  and r.get_attribute("data-livret") == nina)
    assert "collègue" in mathem.text, mathem.text
    shot(t1, "teacher-class-team")
    axe(t1, "class page with the team's bilans")

    # The family's grants page: the team grant, the roster in force, the journal's versions.
    fam.get(f"{fbase}/livrets/{nina}/grants")
    assert fam.find_elements(By.CSS_SELECTOR, "tr[data-team-grant]"), text_of(fam)
    roster = fam.find_elements(By.CSS_SELECTOR, "#team-grants table.roster tr[data-member]")
    assert sorted(r.get_attribute("data-member") for r in roster) == sorted([id1, id2])
    assert "version 3 reçue" in fam.find_element(By.ID, "roster-changes").text, text_of(fam)
    shot(fam, "family-team-grant")
    axe(fam, "grants with a team")

    # Revoked the same way as a device's grant: the confirmation names the team.
    fam.find_element(By.CSS_SELECTOR, "tr[data-team-grant] a.button.danger").click()
    wait_for(fam, lambda d: "Révoquer cette autorisation" in text_of(d), what="revoke confirmation")
    assert "Équipe 5B" in text_of(fam), text_of(fam)
    fam.find_element(By.CSS_SELECTOR, "main form button.danger").click()
    wait_for(fam, lambda d: "Autorisation révoquée" in text_of(d), what="team grant revoked")
    assert "révoquée" in fam.find_element(By.CSS_SELECTOR, "tr[data-team-grant]").text
