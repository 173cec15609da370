//! The app's own security and its "refused means nothing written" rule, against the real
//! server on a real 127.0.0.1 socket, with real devices and libp2p nodes. Requests are written
//! by hand on a TCP stream: every header is the test's choice (Host, Origin, Cookie).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::SocketAddr;

use livret::core::grant::Rights;
use livret::core::{Role, Section};
use livret::node::{self, NodeOptions};
use livret::{Device, EntryKind, KeySource, SharedDevice, SignatureStatus};
use livret_net::Node;
use std::io::{Read, Write};

struct Reply {
    status: u16,
    headers: HashMap<String, Vec<String>>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .and_then(|v| v.first())
            .map(String::as_str)
    }
}

fn dechunk(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(pos) = rest.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&rest[..pos]);
        let size = usize::from_str_radix(size_text.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = pos + 2;
        out.extend_from_slice(&rest[start..(start + size).min(rest.len())]);
        rest = &rest[(start + size + 2).min(rest.len())..];
    }
    out
}

/// One HTTP/1.1 request on a fresh connection.
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let method = method.to_string();
    let path = path.to_string();
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let body = body.to_vec();
    tokio::task::spawn_blocking(move || blocking_request(addr, &method, &path, &headers, &body))
        .await
        .unwrap()
}

/// The same, on a blocking socket (run off the runtime's threads).
fn blocking_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Reply {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (413, 403) before reading a large body: ignore a reset here.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            map.entry(k.trim().to_ascii_lowercase())
                .or_default()
                .push(v.trim().to_string());
        }
    }
    let body_raw = &raw[split + 4..];
    let chunked = map
        .get("transfer-encoding")
        .is_some_and(|v| v.iter().any(|x| x.contains("chunked")));
    let body = if chunked {
        dechunk(body_raw)
    } else {
        body_raw.to_vec()
    };
    Reply {
        status,
        headers: map,
        body: String::from_utf8_lossy(&body).to_string(),
    }
}

struct Running {
    addr: SocketAddr,
    dev: SharedDevice,
    node: Node,
    token: String,
    _home: tempfile::TempDir,
}

async fn running(role: Role, name: &str) -> Running {
    let home = tempfile::tempdir().unwrap();
    let device = Device::init(home.path(), KeySource::KeyFile, role, name).unwrap();
    serve(device, home).await
}

async fn serve(device: Device, home: tempfile::TempDir) -> Running {
    let dev = node::share(device);
    let (node, events) = node::start(
        &dev,
        NodeOptions {
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
            mdns: false,
            remember_addresses: true,
        },
    )
    .await
    .unwrap();
    tokio::spawn(node::serve(
        dev.clone(),
        node.clone(),
        events,
        std::future::pending(),
        |_| {},
    ));
    let app = livret_app::App::bind(dev.clone(), node.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = app.addr();
    let url = app.login_url().unwrap();
    let token = url.split("token=").nth(1).unwrap().to_string();
    tokio::spawn(app.run(std::future::pending()));
    Running {
        addr,
        dev,
        node,
        token,
        _home: home,
    }
}

impl Running {
    /// Logs in: the session cookie ("name=value").
    async fn login(&self) -> String {
        let r = request(
            self.addr,
            "GET",
            &format!("/login?token={}", self.token),
            &[],
            b"",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let set = r.header("set-cookie").unwrap().to_string();
        set.split(';').next().unwrap().to_string()
    }

    /// The CSRF token of the session, read from a page's form.
    async fn csrf(&self, cookie: &str) -> String {
        let r = request(self.addr, "GET", "/", &[("Cookie", cookie)], b"").await;
        assert_eq!(r.status, 200, "{}", r.body);
        let at = r.body.find("name=\"csrf\" value=\"").unwrap() + 19;
        r.body[at..at + 64].to_string()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Device) -> T) -> T {
        let mut d = self.dev.lock().unwrap();
        f(&mut d)
    }

    async fn post(&self, path: &str, cookie: &str, extra: &[(&str, &str)], form: &str) -> Reply {
        let mut headers = vec![
            ("Cookie", cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        headers.extend_from_slice(extra);
        request(self.addr, "POST", path, &headers, form.as_bytes()).await
    }
}

/// The family, in its app, waits for the redeem of `livret`, checks the code shown is `code`
/// and confirms; a decision it cannot parse is refused first (400, nothing decided).
async fn confirm_in_family_app(family: &Running, livret: livret::core::LivretId, code: &str) {
    let cookie = family.login().await;
    let csrf = family.csrf(&cookie).await;
    let path = format!("/livrets/{livret}/redeems");
    let mut page = String::new();
    for _ in 0..200 {
        page = request(family.addr, "GET", &path, &[("Cookie", &cookie)], b"")
            .await
            .body;
        if page.contains(code) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(page.contains(code), "{page}");
    assert!(page.contains("« M. Martin » (enseignant)"), "{page}");
    let invitation = page
        .split("name=\"invitation\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    let bad = family
        .post(
            &path,
            &cookie,
            &[],
            &form(&[
                ("csrf", &csrf),
                ("invitation", &invitation),
                ("decision", "peut-être"),
            ]),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(family.with(|d| d.grants(livret)).unwrap().is_empty());
    let r = family
        .post(
            &path,
            &cookie,
            &[],
            &form(&[
                ("csrf", &csrf),
                ("invitation", &invitation),
                ("decision", "confirm"),
            ]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Confirmé"), "{}", r.body);
}

fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

#[tokio::test]
async fn without_a_session_everything_is_401() {
    let app = running(Role::Family, "Parent").await;
    for path in ["/", "/assets/app.js", "/livrets/abc", "/classes/5B/grid"] {
        let r = request(app.addr, "GET", path, &[], b"").await;
        assert_eq!(r.status, 401, "GET {path}");
    }
    let r = request(
        app.addr,
        "POST",
        "/children",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"name=X&birth=2014-01-01",
    )
    .await;
    assert_eq!(r.status, 401);
    // A made-up session cookie is no session.
    let cookie = format!("livret_session_{}=0000", app.addr.port());
    let r = request(app.addr, "GET", "/", &[("Cookie", &cookie)], b"").await;
    assert_eq!(r.status, 401);
    assert!(app.with(|d| d.list()).unwrap().is_empty());
}

#[tokio::test]
async fn the_login_token_works_once_and_sets_a_strict_cookie() {
    let app = running(Role::Family, "Parent").await;
    let r = request(app.addr, "GET", "/login?token=wrong", &[], b"").await;
    assert_eq!(r.status, 401);
    let first = request(
        app.addr,
        "GET",
        &format!("/login?token={}", app.token),
        &[],
        b"",
    )
    .await;
    assert_eq!(first.status, 200);
    let set = first.header("set-cookie").unwrap();
    assert!(set.starts_with(&format!("livret_session_{}=", app.addr.port())));
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attr), "{set} lacks {attr}");
    }
    let again = request(
        app.addr,
        "GET",
        &format!("/login?token={}", app.token),
        &[],
        b"",
    )
    .await;
    assert_eq!(again.status, 401, "a token works once");
    assert!(again.header("set-cookie").is_none());
    // The cookie of the first login is a session.
    let cookie = set.split(';').next().unwrap();
    let home = request(app.addr, "GET", "/", &[("Cookie", cookie)], b"").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Vos enfants"), "{}", home.body);
    assert_eq!(
        home.header("content-security-policy"),
        Some(livret_app::CSP)
    );
    assert_eq!(home.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(home.header("referrer-policy"), Some("no-referrer"));
    // English from the browser's language.
    let en = request(
        app.addr,
        "GET",
        "/",
        &[("Cookie", cookie), ("Accept-Language", "en-GB,en;q=0.9")],
        b"",
    )
    .await;
    assert!(en.body.contains("Your children"), "{}", en.body);
}

#[tokio::test]
async fn another_host_name_is_refused() {
    let app = running(Role::Family, "Parent").await;
    let cookie = app.login().await;
    let port = app.addr.port();
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "localhost".to_string(),
        String::new(),
    ] {
        let r = request(
            app.addr,
            "GET",
            "/",
            &[("Host", &host), ("Cookie", &cookie)],
            b"",
        )
        .await;
        assert_eq!(r.status, 421, "Host {host:?}");
    }
    // Even the login token is not spent through a foreign name.
    let app2 = running(Role::Family, "Parent").await;
    let r = request(
        app2.addr,
        "GET",
        &format!("/login?token={}", app2.token),
        &[("Host", &format!("rebind.example:{}", app2.addr.port()))],
        b"",
    )
    .await;
    assert_eq!(r.status, 421);
    app2.login().await;
    let ok = request(
        app.addr,
        "GET",
        "/",
        &[("Host", &format!("localhost:{port}")), ("Cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn posts_need_the_csrf_token_and_the_apps_own_origin() {
    let app = running(Role::Family, "Parent").await;
    let cookie = app.login().await;
    let csrf = app.csrf(&cookie).await;
    let child = [("name", "Lina Moreau"), ("birth", "2014-03-02")];
    // No token, a wrong token.
    let r = app.post("/children", &cookie, &[], &form(&child)).await;
    assert_eq!(r.status, 403);
    let wrong = "0".repeat(64);
    let mut with_wrong = child.to_vec();
    with_wrong.push(("csrf", &wrong));
    let r = app
        .post("/children", &cookie, &[], &form(&with_wrong))
        .await;
    assert_eq!(r.status, 403);
    // The right token from another origin, or another site.
    let mut good = child.to_vec();
    good.push(("csrf", &csrf));
    let evil_origin = format!("http://127.0.0.1:{}", app.addr.port().wrapping_add(1));
    for extra in [
        vec![("Origin", "http://evil.example")],
        vec![("Origin", "null")],
        vec![("Origin", "null"), ("Sec-Fetch-Site", "cross-site")],
        vec![("Origin", "null"), ("Sec-Fetch-Site", "same-site")],
        vec![
            ("Origin", "http://evil.example"),
            ("Sec-Fetch-Site", "same-origin"),
        ],
        vec![("Origin", evil_origin.as_str())],
        vec![("Sec-Fetch-Site", "cross-site")],
    ] {
        let r = app.post("/children", &cookie, &extra, &form(&good)).await;
        assert_eq!(r.status, 403, "{extra:?}");
    }
    // A token in a body of another type.
    let r = request(
        app.addr,
        "POST",
        "/children",
        &[("Cookie", &cookie), ("Content-Type", "application/json")],
        format!("{{\"csrf\":\"{csrf}\"}}").as_bytes(),
    )
    .await;
    assert_eq!(r.status, 403);
    // An upload without the token in its query.
    let r = request(
        app.addr,
        "POST",
        "/accept/photo",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "multipart/form-data; boundary=x"),
        ],
        b"--x--\r\n",
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(
        app.with(|d| d.list()).unwrap().is_empty(),
        "nothing written"
    );
    // The app's own origin and the token: written.
    let own = format!("http://{}", app.addr);
    let r = app
        .post("/children", &cookie, &[("Origin", &own)], &form(&good))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let list = app.with(|d| d.list()).unwrap();
    assert_eq!(list.len(), 1);
    // What a browser sends for the app's own form under Referrer-Policy: no-referrer.
    let r = app
        .post(
            "/children",
            &cookie,
            &[("Origin", "null"), ("Sec-Fetch-Site", "same-origin")],
            &form(&good),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.with(|d| d.list()).unwrap().len(), 2);
    assert_eq!(list[0].name.as_deref(), Some("Lina Moreau"));
    // Another session's token is not this session's.
    let other = running(Role::Family, "Autre").await;
    let other_cookie = other.login().await;
    let other_csrf = other.csrf(&other_cookie).await;
    assert_ne!(other_csrf, csrf);
}

#[tokio::test]
async fn bodies_are_bounded() {
    let app = running(Role::Family, "Parent").await;
    let cookie = app.login().await;
    let csrf = app.csrf(&cookie).await;
    // Just over the bound (a body far over it would be cut off by the server mid-upload, and
    // the client could see the connection reset before the answer).
    let big = format!("csrf={csrf}&name={}", "a".repeat(2 * 1024 * 1024 + 1024));
    let r = app.post("/children", &cookie, &[], &big).await;
    assert_eq!(r.status, 413);
    assert!(app.with(|d| d.list()).unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_action_shows_the_api_message_and_writes_nothing() {
    let app = running(Role::Family, "Parent").await;
    let cookie = app.login().await;
    let csrf = app.csrf(&cookie).await;
    let audit_before = app.with(|d| d.audit(None)).unwrap().len();
    // A birth date in the future: the API refuses it.
    let expected = app
        .with(|d| d.add_child("Lina Moreau", "2999-01-01", None))
        .unwrap_err();
    let expected = livret::core::Localized::localized(&expected, livret::core::Lang::Fr);
    let r = app
        .post(
            "/children",
            &cookie,
            &[],
            &form(&[
                ("csrf", &csrf),
                ("name", "Lina Moreau"),
                ("birth", "2999-01-01"),
            ]),
        )
        .await;
    assert_eq!(r.status, 422);
    let escaped = expected.replace('\'', "&#39;").replace('"', "&quot;");
    assert!(
        r.body.contains(&expected)
            || r.body.contains(&escaped)
            || r.body.contains("role=\"alert\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("role=\"alert\""));
    assert!(app.with(|d| d.list()).unwrap().is_empty());
    assert_eq!(app.with(|d| d.audit(None)).unwrap().len(), audit_before);
    // Revoking a grant that does not exist.
    let id = app
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let r = app
        .post(
            &format!("/livrets/{id}/grants/aaaaaaaaaaaaaaaaaaaaaaaaaa/revoke"),
            &cookie,
            &[],
            &form(&[("csrf", &csrf)]),
        )
        .await;
    assert!(r.status == 404 || r.status == 422, "{}", r.status);
    assert!(r.body.contains("role=\"alert\""));
}

/// A family and a teacher: the teacher's grid signs the good cells, refuses the bad one with
/// the API's message beside it, and writes nothing for it.
#[tokio::test]
async fn the_grid_writes_good_cells_and_nothing_for_a_refused_one() {
    let family = running(Role::Family, "Parent de Lina").await;
    let teacher = running(Role::Teacher, "M. Martin").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let year = 2025u16;
    let addrs = family.with(|d| d.invitation_addresses()).unwrap();
    let inv = family
        .with(|d| {
            d.invite(
                livret,
                &[Section::Annee(year), Section::VieScolaire(year)],
                Rights::Write,
                "2099-07-04",
                15,
                addrs,
            )
        })
        .unwrap();
    // Accepted through the teacher's app, by pasted text; the family confirms in its app who
    // redeemed, seeing the code the teacher's page shows.
    let cookie = teacher.login().await;
    let csrf = teacher.csrf(&cookie).await;
    let q = format!(
        "/accept/code?invitation={}",
        inv.invitation.replace(':', "%3A")
    );
    let code = request(teacher.addr, "GET", &q, &[("Cookie", &cookie)], b"").await;
    assert_eq!(code.status, 200, "{}", code.body);
    let code = code.body.split("Code de vérification : ").nth(1).unwrap()[..9].to_string();
    let body = form(&[
        ("csrf", &csrf),
        ("invitation", &inv.invitation),
        ("class", "5B"),
    ]);
    let (r, ()) = tokio::join!(
        teacher.post("/accept", &cookie, &[], &body),
        confirm_in_family_app(&family, livret, &code),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Invitation acceptée"), "{}", r.body);
    let class = request(
        teacher.addr,
        "GET",
        "/classes/5B",
        &[("Cookie", &cookie)],
        b"",
    )
    .await;
    assert!(class.body.contains("Lina Moreau"));
    assert!(
        !class.body.contains(&format!(">{livret}<")),
        "pupils by name, not id"
    );

    let q = format!("year={year}&period=1%2F3&subjects=FRANCS&subjects=MATHEM");
    let grid = request(
        teacher.addr,
        "GET",
        &format!("/classes/5B/grid?{q}"),
        &[("Cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(grid.status, 200);
    assert!(grid
        .body
        .contains("aria-label=\"Lina Moreau, Français : Appréciation\""));
    let id = livret.to_string();
    let (fl, fm, ft) = (
        format!("c.{id}.FRANCS.level"),
        format!("c.{id}.FRANCS.mark"),
        format!("c.{id}.FRANCS.text"),
    );
    let (ml, mm, mt) = (
        format!("c.{id}.MATHEM.level"),
        format!("c.{id}.MATHEM.mark"),
        format!("c.{id}.MATHEM.text"),
    );
    let syn = format!("s.{id}");
    let body = form(&[
        ("csrf", &csrf),
        (&fl, "3"),
        (&fm, ""),
        (&ft, "Lina progresse nettement en rédaction."),
        // Both a positioning and a mark: the API refuses this cell.
        (&ml, "2"),
        (&mm, "12"),
        (&mt, "Des progrès en calcul."),
        (&syn, "Bon trimestre."),
        ("subjects", "FRANCS"),
        ("subjects", "MATHEM"),
    ]);
    let r = teacher
        .post(&format!("/classes/5B/grid?{q}"), &cookie, &[], &body)
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("2 inscription(s) signée(s)"), "{}", r.body);
    assert!(r.body.contains("1 cellule(s) refusée(s)"), "{}", r.body);
    assert!(r.body.contains("cell-error"));
    let view = teacher.with(|d| d.show(livret)).unwrap();
    let keys: Vec<String> = view
        .sections
        .iter()
        .flat_map(|s| s.entries.iter().map(|e| e.key.clone()))
        .collect();
    assert!(keys.iter().any(|k| k.contains("FRANCS")), "{keys:?}");
    assert!(
        !keys.iter().any(|k| k.contains("MATHEM")),
        "refused cell written: {keys:?}"
    );
    assert!(keys.iter().any(|k| k.contains("synth")), "{keys:?}");

    // The same cells again: nothing changed, nothing signed.
    let before = teacher.with(|d| d.audit(None)).unwrap().len();
    let body = form(&[
        ("csrf", &csrf),
        (&fl, "3"),
        (&fm, ""),
        (&ft, "Lina progresse nettement en rédaction."),
        (&syn, "Bon trimestre."),
        ("subjects", "FRANCS"),
    ]);
    let r = teacher
        .post(&format!("/classes/5B/grid?{q}"), &cookie, &[], &body)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("0 inscription(s)"), "{}", r.body);
    assert_eq!(teacher.with(|d| d.audit(None)).unwrap().len(), before);

    // Synchroniser: the family receives the entries, signed by M. Martin.
    let r = teacher
        .post("/sync", &cookie, &[], &form(&[("csrf", &csrf)]))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Parent de Lina"), "{}", r.body);
    let fam = family.with(|d| d.show(livret)).unwrap();
    let entries: Vec<_> = fam
        .sections
        .iter()
        .flat_map(|s| s.entries.iter())
        .filter(|e| e.kind() == Some(EntryKind::Subject))
        .collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].author_name.as_deref(), Some("M. Martin"));
    assert_eq!(entries[0].signature, SignatureStatus::Valid);
    let _ = &family.node;
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let at = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {text}"))
        + start.len();
    let len = text[at..].find(end).unwrap();
    &text[at..at + len]
}

/// The school certifies the teacher through its app, the teacher imports the certificate and
/// the family trusts the school through theirs: the family's page shows the teacher's next
/// entry as certified. A bad card or certificate is refused with a message.
#[tokio::test]
async fn school_certificate_and_trust_through_the_apps() {
    let home = tempfile::tempdir().unwrap();
    let school_dev = Device::init_school(
        home.path(),
        KeySource::KeyFile,
        "Collège Jean Moulin",
        "0951099D",
    )
    .unwrap();
    let school = serve(school_dev, home).await;
    let family = running(Role::Family, "Parent de Lina").await;
    let teacher = running(Role::Teacher, "M. Martin").await;
    let (sc, tc, fc) = (
        school.login().await,
        teacher.login().await,
        family.login().await,
    );
    let (scsrf, tcsrf, fcsrf) = (
        school.csrf(&sc).await,
        teacher.csrf(&tc).await,
        family.csrf(&fc).await,
    );
    // The school's page shows its card.
    let page = request(school.addr, "GET", "/", &[("Cookie", &sc)], b"").await;
    assert_eq!(page.status, 200);
    let card = between(
        &page.body,
        "<textarea id=\"card-text\" readonly rows=\"3\">",
        "<",
    )
    .to_string();
    assert!(card.starts_with("LIVRET-ECOLE:"), "{card}");
    // The teacher's page shows its device id.
    let page = request(teacher.addr, "GET", "/", &[("Cookie", &tc)], b"").await;
    let tid = between(&page.body, "<code id=\"device-id\">", "<").to_string();
    assert_eq!(tid, teacher.with(|d| d.device_id().to_string()));
    // A bad id is refused, nothing certified.
    let r = school
        .post(
            "/certify",
            &sc,
            &[],
            &form(&[
                ("csrf", &scsrf),
                ("teacher", "nope"),
                ("name", "M. Martin"),
                ("until", "2099-08-31"),
            ]),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(!r.body.contains("LIVRET-CERT:"));
    let r = school
        .post(
            "/certify",
            &sc,
            &[],
            &form(&[
                ("csrf", &scsrf),
                ("teacher", &tid),
                ("name", "M. Martin"),
                ("until", "2099-08-31"),
            ]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cert = between(
        &r.body,
        "<textarea id=\"certificate-text\" readonly rows=\"4\">",
        "<",
    )
    .to_string();
    assert!(cert.starts_with("LIVRET-CERT:"), "{cert}");
    // The teacher imports it; a bad one is refused first.
    let r = teacher
        .post(
            "/certificate",
            &tc,
            &[],
            &form(&[("csrf", &tcsrf), ("certificate", "LIVRET-CERT:AAAA")]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(teacher.with(|d| d.certificate()).unwrap().is_none());
    let r = teacher
        .post(
            "/certificate",
            &tc,
            &[],
            &form(&[("csrf", &tcsrf), ("certificate", &cert)]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(teacher.with(|d| d.certificate()).unwrap().is_some());
    // The family trusts the school's card.
    let r = family
        .post(
            "/trust",
            &fc,
            &[],
            &form(&[("csrf", &fcsrf), ("card", "LIVRET-ECOLE:ZZZ")]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(family.with(|d| d.trust_list()).unwrap().is_empty());
    let r = family
        .post(
            "/trust",
            &fc,
            &[],
            &form(&[("csrf", &fcsrf), ("card", &card)]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Collège Jean Moulin"), "{}", r.body);
    // An entry written after the certificate shows as certified at the family.
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let addrs = family.with(|d| d.invitation_addresses()).unwrap();
    let inv = family
        .with(|d| {
            d.invite(
                livret,
                &[Section::Annee(2025)],
                Rights::Write,
                "2099-07-04",
                15,
                addrs,
            )
        })
        .unwrap();
    family.with(|d| d.confirm_in_advance(&inv)).unwrap();
    node::accept(&teacher.dev, &teacher.node, &inv.invitation, Some("5B"))
        .await
        .unwrap();
    teacher
        .with(|d| {
            d.assess(
                livret,
                2025,
                "1/3",
                "FRANCS",
                None,
                Some(3),
                None,
                "Très bien.",
            )?;
            // The école livret's entries show in the family's livret view too.
            let lecture = livret::DomainInput {
                cycle: 2,
                domain: "FRA".into(),
                sub_domain: Some("LECT".into()),
                objectives: vec!["Lire à voix haute".into()],
                level: Some(3),
                text: String::new(),
            };
            d.ecole_domain(livret, 2025, "1/3", &lecture)?;
            d.ecole_project(livret, 2025, "1/3", "Jardin de l'école", "")
        })
        .unwrap();
    node::sync_with(
        &teacher.dev,
        &teacher.node,
        family.node.peer_id(),
        family.node.listen_addrs(),
    )
    .await
    .unwrap();
    let page = request(
        family.addr,
        "GET",
        &format!("/livrets/{livret}"),
        &[("Cookie", &fc)],
        b"",
    )
    .await;
    assert!(
        page.body.contains("data-signature=\"certified\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("signature certifiée"));
    assert!(
        page.body.contains("data-kind=\"ecole-domain\""),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("Français — Lecture et compréhension de l"));
    assert!(page
        .body
        .contains("Objectifs travaillés : Lire à voix haute"));
    assert!(page.body.contains("Projet mis en œuvre : Jardin de l"));
}

/// The family's careful screens: without the CSRF token nothing happens; a refused action
/// (no consent, an unknown measure or entry, no confirmation, an extract naming the identity)
/// shows its message and writes nothing; the accepted ones do what the API does.
#[tokio::test]
async fn consent_forget_delete_and_extract_screens() {
    use livret::core::Section;
    let app = running(Role::Family, "Parent").await;
    let cookie = app.login().await;
    let csrf = app.csrf(&cookie).await;
    let id = app
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let audit = |app: &Running| app.with(|d| d.audit(None)).unwrap().len();
    let is_open = |app: &Running| {
        app.with(|d| d.sections(id))
            .unwrap()
            .iter()
            .any(|s| s.section == Section::Accompagnement && s.open)
    };
    let accompagnement = |app: &Running| {
        app.with(|d| d.sections(id))
            .unwrap()
            .iter()
            .find(|s| s.section == Section::Accompagnement)
            .map_or(0, |s| s.entries)
    };
    let before = audit(&app);
    // Without the token: 403 everywhere, nothing written.
    for (path, fields) in [
        ("accompagnement/open", vec![("consent", "yes")]),
        (
            "accompagnement",
            vec![("measure", "PAP"), ("start", "2025-09-15")],
        ),
        ("forget", vec![("section", "identite")]),
        ("delete", vec![("confirm", "yes")]),
        ("extract", vec![("sections", "cycles")]),
    ] {
        let r = app
            .post(
                &format!("/livrets/{id}/{path}"),
                &cookie,
                &[],
                &form(&fields),
            )
            .await;
        assert_eq!(r.status, 403, "{path}");
    }
    assert_eq!(audit(&app), before);
    assert!(!is_open(&app));
    assert_eq!(app.with(|d| d.list()).unwrap().len(), 1);

    // The consent screen: without the box, refused; with it, opened.
    let page = request(
        app.addr,
        "GET",
        &format!("/livrets/{id}/accompagnement"),
        &[("Cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("consent-notice"), "{}", page.body);
    let r = app
        .post(
            &format!("/livrets/{id}/accompagnement/open"),
            &cookie,
            &[],
            &form(&[("csrf", &csrf)]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("role=\"alert\""));
    assert!(!is_open(&app));
    assert_eq!(audit(&app), before);
    let r = app
        .post(
            &format!("/livrets/{id}/accompagnement/open"),
            &cookie,
            &[],
            &form(&[("csrf", &csrf), ("consent", "yes")]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(is_open(&app));

    // A measure the API refuses: its message, nothing written; then a good one.
    let before = audit(&app);
    let r = app
        .post(
            &format!("/livrets/{id}/accompagnement"),
            &cookie,
            &[],
            &form(&[("csrf", &csrf), ("measure", "XYZ"), ("start", "2025-09-15")]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("role=\"alert\""));
    assert_eq!(accompagnement(&app), 0);
    assert_eq!(audit(&app), before);
    let r = app
        .post(
            &format!("/livrets/{id}/accompagnement"),
            &cookie,
            &[],
            &form(&[
                ("csrf", &csrf),
                ("measure", "PAP"),
                ("start", "2025-09-15"),
                ("note", "Temps majoré."),
            ]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Temps majoré."));
    assert_eq!(accompagnement(&app), 1);

    // Forget: an unknown entry is refused; the real one is erased.
    let key = app
        .with(|d| d.show(id))
        .unwrap()
        .sections
        .iter()
        .find(|s| s.section == Section::Accompagnement)
        .unwrap()
        .entries[0]
        .key
        .clone();
    let confirm = request(
        app.addr,
        "GET",
        &format!("/livrets/{id}/forget?section=accompagnement&entry={key}"),
        &[("Cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("Temps majoré."));
    let before = audit(&app);
    let r = app
        .post(
            &format!("/livrets/{id}/forget"),
            &cookie,
            &[],
            &form(&[
                ("csrf", &csrf),
                ("section", "accompagnement"),
                ("entry", "nope"),
            ]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("role=\"alert\""));
    assert_eq!(accompagnement(&app), 1);
    assert_eq!(audit(&app), before);
    let r = app
        .post(
            &format!("/livrets/{id}/forget"),
            &cookie,
            &[],
            &form(&[
                ("csrf", &csrf),
                ("section", "accompagnement"),
                ("entry", &key),
            ]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(accompagnement(&app), 0);
    let history = app
        .with(|d| d.section_history_bytes(id, Section::Accompagnement))
        .unwrap()
        .unwrap_or_default();
    assert!(!String::from_utf8_lossy(&history).contains("Temps majoré."));

    // An extract with the identity section: the API refuses it.
    let r = app
        .post(
            &format!("/livrets/{id}/extract"),
            &cookie,
            &[],
            &form(&[("csrf", &csrf), ("sections", "identite")]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("role=\"alert\""));

    // Delete: without the confirmation, refused; with it, gone.
    let before = audit(&app);
    let r = app
        .post(
            &format!("/livrets/{id}/delete"),
            &cookie,
            &[],
            &form(&[("csrf", &csrf)]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("role=\"alert\""));
    assert_eq!(app.with(|d| d.list()).unwrap().len(), 1);
    assert_eq!(audit(&app), before);
    let r = app
        .post(
            &format!("/livrets/{id}/delete"),
            &cookie,
            &[],
            &form(&[("csrf", &csrf), ("confirm", "yes")]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(app.with(|d| d.list()).unwrap().is_empty());
}

fn multipart_frame(bytes: &[u8]) -> Vec<u8> {
    let mut body = b"--x\r\nContent-Disposition: form-data; name=\"frame\"; filename=\"f.png\"\r\nContent-Type: image/png\r\n\r\n".to_vec();
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--x--\r\n");
    body
}

/// A camera frame: decoded by the app when it carries the session's token, refused otherwise.
#[tokio::test]
async fn scan_decodes_a_frame_with_the_token_only() {
    let app = running(Role::Teacher, "M. Martin").await;
    let cookie = app.login().await;
    let csrf = app.csrf(&cookie).await;
    let png = livret_export::qr::Qr::new("LIVRET:ABCDEF234567")
        .unwrap()
        .to_png()
        .unwrap();
    let headers = [
        ("Cookie", cookie.as_str()),
        ("Content-Type", "multipart/form-data; boundary=x"),
    ];
    let r = request(app.addr, "POST", "/scan", &headers, &multipart_frame(&png)).await;
    assert_eq!(r.status, 403);
    let path = format!("/scan?csrf={csrf}");
    let r = request(app.addr, "POST", &path, &headers, &multipart_frame(&png)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "LIVRET:ABCDEF234567");
    let r = request(
        app.addr,
        "POST",
        &path,
        &headers,
        &multipart_frame(b"no picture"),
    )
    .await;
    assert_eq!(r.status, 204);
    // The teacher's page offers the camera, and its device QR code.
    let home = request(app.addr, "GET", "/", &[("Cookie", &cookie)], b"").await;
    assert!(home.body.contains("accept-scanner") && home.body.contains("device-qr"));
}

/// A jury: its home accepts an extract; a text that is no invitation is refused, nothing held.
#[tokio::test]
async fn jury_accept_refused_writes_nothing() {
    let app = running(Role::Jury, "Jury").await;
    let cookie = app.login().await;
    let csrf = app.csrf(&cookie).await;
    let home = request(app.addr, "GET", "/", &[("Cookie", &cookie)], b"").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("accept-scanner"));
    let r = app
        .post(
            "/accept",
            &cookie,
            &[],
            &form(&[("invitation", "LIVRET:NOTHING")]),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .post(
            "/accept",
            &cookie,
            &[],
            &form(&[("csrf", &csrf), ("invitation", "LIVRET:NOTHING")]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("role=\"alert\""));
    assert!(app.with(|d| d.list()).unwrap().is_empty());
}

/// Devices and safekeeping: the token, the confirmation, the API's refusals; the sheet and the
/// export download.
#[tokio::test]
async fn devices_recovery_and_json_screens() {
    let app = running(Role::Family, "Parent").await;
    let cookie = app.login().await;
    let csrf = app.csrf(&cookie).await;
    let id = app
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let audit = |app: &Running| app.with(|d| d.audit(None)).unwrap().len();
    let before = audit(&app);
    let page = request(app.addr, "GET", "/devices", &[("Cookie", &cookie)], b"").await;
    assert_eq!(page.status, 200);
    // Each livret it owns lists the family's devices: this one, a parent's first device.
    assert!(
        page.body
            .contains("Appareils de la famille pour le livret de"),
        "{}",
        page.body
    );
    assert!(page.body.contains("(cet appareil)"), "{}", page.body);
    assert!(
        page.body.contains("un parent (premier appareil)"),
        "{}",
        page.body
    );
    // Without the token, without the confirmation: nothing.
    let r = app
        .post("/recovery", &cookie, &[], &form(&[("confirm", "yes")]))
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .post("/recovery", &cookie, &[], &form(&[("csrf", &csrf)]))
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("role=\"alert\""));
    assert!(app.with(|d| d.recovery_key()).unwrap().is_none());
    let lost = "k5m6atmh23j7nr47wjnjfkm24yf4d3ecpyyt5ex25t7rwv75l2mq";
    let r = app
        .post(
            "/devices/revoke",
            &cookie,
            &[],
            &form(&[("device", lost), ("confirm", "yes")]),
        )
        .await;
    assert_eq!(r.status, 403);
    // An unknown device: the API refuses it.
    let r = app
        .post(
            "/devices/revoke",
            &cookie,
            &[],
            &form(&[("csrf", &csrf), ("device", lost), ("confirm", "yes")]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("role=\"alert\""));
    assert_eq!(audit(&app), before);
    // The sheet, once confirmed.
    let r = app
        .post(
            "/recovery",
            &cookie,
            &[],
            &form(&[("csrf", &csrf), ("confirm", "yes")]),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert!(r.body.starts_with("%PDF-"));
    assert!(app.with(|d| d.recovery_key()).unwrap().is_some());
    // The export; an import of something else is refused, nothing stored.
    let r = request(
        app.addr,
        "GET",
        &format!("/livrets/{id}/export.json"),
        &[("Cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("livret-export/1"));
    let body = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"l.json\"\r\nContent-Type: application/json\r\n\r\n{\"format\":\"autre\"}\r\n--x--\r\n".to_vec();
    let headers = [
        ("Cookie", cookie.as_str()),
        ("Content-Type", "multipart/form-data; boundary=x"),
    ];
    let r = request(app.addr, "POST", "/import", &headers, &body).await;
    assert_eq!(r.status, 403);
    let before = audit(&app);
    let r = request(
        app.addr,
        "POST",
        &format!("/import?csrf={csrf}"),
        &headers,
        &body,
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("role=\"alert\""));
    assert_eq!(app.with(|d| d.list()).unwrap().len(), 1);
    assert_eq!(audit(&app), before);
}

fn multipart_file(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!("--x\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"lsu.xml\"\r\nContent-Type: application/xml\r\n\r\n").into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--x--\r\n");
    body
}

/// The end-of-cycle bilan, the LSU import and export and « Synchroniser »'s progress: without
/// the CSRF token → 403; a refused action shows the API's message and writes nothing.
#[tokio::test]
async fn cycle_lsu_and_sync_screens() {
    let family = running(Role::Family, "Parent de Lina").await;
    let teacher = running(Role::Teacher, "M. Martin").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let addrs = family.with(|d| d.invitation_addresses()).unwrap();
    let inv = family
        .with(|d| {
            d.invite(
                livret,
                &[Section::Annee(2025), Section::Cycles],
                Rights::Write,
                "2099-07-04",
                15,
                addrs,
            )
        })
        .unwrap();
    family.with(|d| d.confirm_in_advance(&inv)).unwrap();
    node::accept(&teacher.dev, &teacher.node, &inv.invitation, Some("5B"))
        .await
        .unwrap();
    let cookie = teacher.login().await;
    let csrf = teacher.csrf(&cookie).await;
    let entries = |t: &Running| {
        t.with(|d| d.show(livret))
            .unwrap()
            .sections
            .iter()
            .flat_map(|s| s.entries.iter())
            .filter(|e| e.kind() == Some(EntryKind::Cycle))
            .count()
    };
    let audit_before = teacher.with(|d| d.audit(None)).unwrap().len();

    // The class page links each pupil's bilan de fin de cycle, and holds the LSU section.
    let class = request(
        teacher.addr,
        "GET",
        "/classes/5B",
        &[("Cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(class.status, 200);
    assert!(class.body.contains(&format!("/livrets/{livret}/cycle")));
    assert!(class.body.contains("Télécharger le fichier LSU"));
    let path = format!("/livrets/{livret}/cycle");
    let page = request(
        teacher.addr,
        "GET",
        &format!("{path}?cycle=3&year=2025"),
        &[("Cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page
        .body
        .contains("La formation de la personne et du citoyen"));

    let codes = [
        "CPD_FRA", "CPD_ETR", "CPD_SCI", "CPD_ART", "MET_APP", "FRM_CIT", "SYS_NAT", "REP_MND",
    ];
    let fields: Vec<(String, String)> = codes
        .iter()
        .map(|c| (format!("level.{c}"), "3".to_string()))
        .collect();
    let mut pairs: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("cycle", "3"),
        ("year", "2025"),
        ("synthesis", "Lina maîtrise les attendus du cycle."),
    ];
    for (k, v) in &fields {
        pairs.push((k, v));
    }
    // Without the CSRF token: 403, nothing written.
    let no_csrf: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(k, _)| *k != "csrf")
        .collect();
    let r = teacher.post(&path, &cookie, &[], &form(&no_csrf)).await;
    assert_eq!(r.status, 403);
    // One component left without a level: the API refuses, its message shows, nothing written.
    let partial: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(k, _)| *k != "level.REP_MND")
        .collect();
    let r = teacher.post(&path, &cookie, &[], &form(&partial)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\""), "{}", r.body);
    assert_eq!(entries(&teacher), 0);
    assert_eq!(teacher.with(|d| d.audit(None)).unwrap().len(), audit_before);
    // The whole bilan: signed and stored, shown again in the form.
    let r = teacher.post(&path, &cookie, &[], &form(&pairs)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Bilan de fin de cycle signé et enregistré"));
    assert!(r.body.contains("Lina maîtrise les attendus du cycle."));
    assert_eq!(entries(&teacher), 1);

    // LSU export: the school's identifiers are missing; the API's list shows, nothing written.
    let audit_before = teacher.with(|d| d.audit(None)).unwrap().len();
    let r = request(
        teacher.addr,
        "GET",
        "/classes/5B/lsu.xml?year=2025&period=1%2F3",
        &[("Cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\""));
    // LSU import: without the token → 403; a file that is not LSU → its message, nothing.
    let file = multipart_file("file", b"<lsu>pas un fichier LSU</lsu>");
    let r = request(
        teacher.addr,
        "POST",
        "/lsu/import",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "multipart/form-data; boundary=x"),
        ],
        &file,
    )
    .await;
    assert_eq!(r.status, 403);
    let r = request(
        teacher.addr,
        "POST",
        &format!("/lsu/import?csrf={csrf}"),
        &[
            ("Cookie", &cookie),
            ("Content-Type", "multipart/form-data; boundary=x"),
        ],
        &file,
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\""));
    assert!(!r.body.contains("Confirmer l'import"));
    // A confirmation with no preview behind it imports nothing.
    let r = teacher
        .post(
            "/lsu/confirm",
            &cookie,
            &[],
            &form(&[("csrf", &csrf), ("pending", "0000")]),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(teacher.with(|d| d.audit(None)).unwrap().len(), audit_before);

    // « Synchroniser »: the report names the family; the status endpoint has its line.
    let r = teacher
        .post("/sync", &cookie, &[], &form(&[("csrf", &csrf)]))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Parent de Lina"), "{}", r.body);
    let st = request(
        teacher.addr,
        "GET",
        "/sync/status",
        &[("Cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(st.status, 200);
    let v: serde_json::Value = serde_json::from_str(&st.body).unwrap();
    assert_eq!(v["running"], false);
    assert_eq!(v["total"], 1);
    assert!(v["lines"][0]["text"]
        .as_str()
        .unwrap()
        .contains("Parent de Lina"));
    let r = request(teacher.addr, "GET", "/sync/status", &[], b"").await;
    assert_eq!(r.status, 401);
    let _ = &family.node;
}

/// The LSU file: downloaded from the class page, then imported again: a preview that writes
/// nothing, then the confirmation, which imports.
#[tokio::test]
async fn lsu_export_download_then_import_preview_and_confirm() {
    let family = running(Role::Family, "Parent de Lina").await;
    let teacher = running(Role::Teacher, "M. Martin").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let addrs = family.with(|d| d.invitation_addresses()).unwrap();
    let inv = family
        .with(|d| {
            d.invite(
                livret,
                &[Section::Annee(2025), Section::VieScolaire(2025)],
                Rights::Write,
                "2099-07-04",
                15,
                addrs,
            )
        })
        .unwrap();
    family.with(|d| d.confirm_in_advance(&inv)).unwrap();
    node::accept(&teacher.dev, &teacher.node, &inv.invitation, Some("5B"))
        .await
        .unwrap();
    teacher
        .with(|d| -> livret::Result<()> {
            d.assess(
                livret,
                2025,
                "1/3",
                "FRANCS",
                None,
                Some(3),
                None,
                "Lina progresse.",
            )?;
            d.synthesis(livret, 2025, "1/3", "Bon trimestre.")?;
            d.vie_scolaire(livret, 2025, "1/3", 0, 1, 0)?;
            Ok(())
        })
        .unwrap();
    let cookie = teacher.login().await;
    let csrf = teacher.csrf(&cookie).await;
    // The identifiers the file needs, through the class page's forms. A refused one (a UAI
    // that is not one, an id-be that is not a number) shows its message and writes nothing.
    let ids = |t: &Running| {
        let v = t.with(|d| d.school_ids()).unwrap();
        (v.uai, v.head, v.id_sts, v.pupils[0].id_be)
    };
    let before = ids(&teacher);
    let school = |uai: &str| {
        form(&[
            ("csrf", &csrf),
            ("class", "5B"),
            ("uai", uai),
            ("head", "Mme Leroy"),
            ("id_sts", "1001"),
        ])
    };
    let r = teacher
        .post("/lsu/school", &cookie, &[], &school("pas une UAI"))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\""));
    let id = livret.to_string();
    let pupil = |n: &str| {
        form(&[
            ("csrf", &csrf),
            ("class", "5B"),
            ("livret", &id),
            ("id_be", n),
        ])
    };
    let r = teacher
        .post("/lsu/pupil", &cookie, &[], &pupil("douze"))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(ids(&teacher), before);
    let r = teacher
        .post("/lsu/school", &cookie, &[], &school("0951099D"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Identifiants enregistrés."));
    let r = teacher
        .post("/lsu/pupil", &cookie, &[], &pupil("123456"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        ids(&teacher),
        (
            Some("0951099D".to_string()),
            Some("Mme Leroy".to_string()),
            Some(1001),
            Some(123_456)
        )
    );
    let r = request(
        teacher.addr,
        "GET",
        "/classes/5B/lsu.xml?year=2025&period=1%2F3",
        &[("Cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("content-type").unwrap().contains("xml"));
    assert!(r
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    assert!(r.body.contains("Lina progresse."), "{}", r.body);
    let xml = r.body;

    // A head of school recorded otherwise than in the file: the import keeps it and offers
    // to replace it.
    teacher
        .with(|d| d.set_school_ids(None, Some("M. Durand"), None))
        .unwrap();
    let audit_before = teacher.with(|d| d.audit(None)).unwrap().len();
    let r = request(
        teacher.addr,
        "POST",
        &format!("/lsu/import?csrf={csrf}"),
        &[
            ("Cookie", &cookie),
            ("Content-Type", "multipart/form-data; boundary=x"),
        ],
        &multipart_file("file", xml.as_bytes()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Aperçu : rien n'a encore été écrit."));
    assert!(r.body.contains("Confirmer l'import"), "{}", r.body);
    assert!(r.body.contains("serait écrit"), "{}", r.body);
    assert!(r.body.contains("Identifiants d'établissement du fichier"));
    assert!(r.body.contains("déjà enregistré"), "{}", r.body);
    assert!(
        r.body
            .contains("cet appareil a une autre valeur, gardée : M. Durand"),
        "{}",
        r.body
    );
    assert!(r.body.contains("name=\"head\" value=\"Mme Leroy\""));
    assert_eq!(teacher.with(|d| d.audit(None)).unwrap().len(), audit_before);
    let pending = between(&r.body, "name=\"pending\" value=\"", "\"").to_string();
    // The confirmation needs its CSRF token too.
    let r = teacher
        .post(
            "/lsu/confirm",
            &cookie,
            &[],
            &form(&[("pending", &pending)]),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = teacher
        .post(
            "/lsu/confirm",
            &cookie,
            &[],
            &form(&[("csrf", &csrf), ("pending", &pending)]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("inscription(s) signée(s)"), "{}", r.body);
    assert!(r.body.contains("écrit"), "{}", r.body);
    assert!(teacher.with(|d| d.audit(None)).unwrap().len() > audit_before);
    let head = |t: &Running| t.with(|d| d.school_ids()).unwrap().head;
    assert_eq!(head(&teacher).as_deref(), Some("M. Durand"), "kept");
    // The button replaces it.
    let r = teacher
        .post(
            "/lsu/school",
            &cookie,
            &[],
            &form(&[("csrf", &csrf), ("class", "5B"), ("head", "Mme Leroy")]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(head(&teacher).as_deref(), Some("Mme Leroy"));
    // The preview is spent.
    let r = teacher
        .post(
            "/lsu/confirm",
            &cookie,
            &[],
            &form(&[("csrf", &csrf), ("pending", &pending)]),
        )
        .await;
    assert_eq!(r.status, 422);
}
