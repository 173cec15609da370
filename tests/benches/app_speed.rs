//! Benchmark of the app (issue 12, « Speed »): a teacher device holding 150 livrets (5 classes
//! of 30), each granted to the teacher by its own family device over libp2p on 127.0.0.1, with a
//! term of entries (12 subjects with 600-character appréciations, a synthesis, a vie scolaire).
//!
//! The teacher's app runs on a real 127.0.0.1 socket; requests are written by hand on a TCP
//! stream and timed from the first byte sent to the last byte read (server time plus loopback).
//! Measured side by side in the same run, the same data read or written through the `livret`
//! API directly (the baseline): the ratio is the web layer's own cost.
//!
//! Run: `cargo bench --workspace --bench app_speed` (add `-- --runs N` for the GET medians).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Instant;

use livret::core::grant::Rights;
use livret::core::{LivretId, Role};
use livret::node::{self, NodeOptions};
use livret::{BatchMode, BatchWrite, Device, KeySource, SharedDevice};
use livret_tests::TestDevice;

const SUBJECTS: [&str; 12] = [
    "FRANCS", "MATHEM", "HISGEO", "ANGLV1", "ESPLV2", "SVTERR", "PHYCHI", "TECHNO", "ARTPLA",
    "EDMUSI", "EPSPOR", "LATINL",
];
const CLASSES: [&str; 5] = ["5A", "5B", "5C", "5D", "5E"];
const PUPILS: usize = 30;
const YEAR: u16 = 2025;

fn appreciation(seed: usize) -> String {
    let base = "Élève sérieuse et appliquée, qui participe volontiers à l'oral et progresse \
                régulièrement. Les méthodes de travail se consolident ; il faut maintenant gagner \
                en autonomie et soigner la présentation des copies. ";
    let mut s = format!("{seed} ");
    while s.chars().count() < 600 {
        s.push_str(base);
    }
    s.chars().take(600).collect()
}

struct Reply {
    status: u16,
    body: String,
}

/// One HTTP/1.1 request on a fresh connection; the time from connecting to the last byte.
fn request(addr: SocketAddr, method: &str, path: &str, cookie: &str, body: &[u8]) -> (Reply, f64) {
    let start = Instant::now();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nHost: {addr}\r\nCookie: {cookie}\r\n"
    );
    if method == "POST" {
        head.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body_raw = &raw[split + 4..];
    let body = if chunked {
        dechunk(body_raw)
    } else {
        body_raw.to_vec()
    };
    (
        Reply {
            status,
            body: String::from_utf8_lossy(&body).to_string(),
        },
        ms,
    )
}

fn dechunk(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(pos) = rest.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&rest[..pos]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = pos + 2;
        out.extend_from_slice(&rest[start..(start + size).min(rest.len())]);
        rest = &rest[(start + size + 2).min(rest.len())..];
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn subjects_query() -> String {
    SUBJECTS
        .iter()
        .map(|s| format!("&subjects={s}"))
        .collect::<String>()
}

/// The drafts of a whole period for the pupils of a class (12 subjects, synthesis, vie
/// scolaire), as the baseline writes them.
fn period_drafts(livrets: &[LivretId], period: &str, seed: usize) -> Vec<BatchWrite> {
    let mut items = Vec::new();
    for (i, l) in livrets.iter().enumerate() {
        for (j, s) in SUBJECTS.iter().enumerate() {
            let level = ((i + j + seed) % 4 + 1) as u8;
            let text = appreciation(seed * 10_000 + i * 100 + j);
            let draft = livret::drafts::assessment(YEAR, period, s, None, Some(level), None, &text)
                .unwrap();
            items.push(BatchWrite { livret: *l, draft });
        }
        let text = format!("{} Bon trimestre.", appreciation(seed + i));
        let draft = livret::drafts::synthesis(YEAR, period, &text).unwrap();
        items.push(BatchWrite { livret: *l, draft });
        let draft = livret::drafts::vie_scolaire(YEAR, period, (i % 5) as u16, 1, 0).unwrap();
        items.push(BatchWrite { livret: *l, draft });
    }
    items
}

/// The same period as the grid form posts it (every cell filled and changed).
fn period_form(csrf: &str, livrets: &[LivretId], seed: usize) -> String {
    let mut pairs: Vec<(String, String)> = vec![("csrf".into(), csrf.into())];
    for (i, l) in livrets.iter().enumerate() {
        for (j, s) in SUBJECTS.iter().enumerate() {
            let base = format!("c.{l}.{s}");
            let level = ((i + j + seed) % 4 + 1).to_string();
            pairs.push((format!("{base}.level"), level));
            pairs.push((format!("{base}.mark"), String::new()));
            pairs.push((
                format!("{base}.text"),
                appreciation(seed * 10_000 + i * 100 + j),
            ));
        }
        pairs.push((
            format!("s.{l}"),
            format!("{} Bon trimestre.", appreciation(seed + i)),
        ));
        pairs.push((format!("v.{l}.late"), (i % 5).to_string()));
        pairs.push((format!("v.{l}.justified"), "1".into()));
        pairs.push((format!("v.{l}.unjustified"), "0".into()));
    }
    for s in SUBJECTS {
        pairs.push(("subjects".into(), s.into()));
    }
    serde_urlencoded::to_string(&pairs).unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(15usize);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(bench(runs));
}

async fn bench(runs: usize) {
    // The teacher: its device, its node, its app.
    let home = tempfile::tempdir().unwrap();
    let device = Device::init(home.path(), KeySource::KeyFile, Role::Teacher, "M. Prof").unwrap();
    let dev: SharedDevice = node::share(device);
    let (tnode, events) = node::start(
        &dev,
        NodeOptions {
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
            mdns: false,
            remember_addresses: false,
        },
    )
    .await
    .unwrap();
    tokio::spawn(node::serve(
        dev.clone(),
        tnode.clone(),
        events,
        std::future::pending(),
        |_| {},
    ));

    // 150 families, one device each, each granting its child's year to the teacher (the
    // family confirms the redeem); a family's node stops once its grant is given.
    let t_setup = Instant::now();
    let mut by_class: Vec<Vec<LivretId>> = vec![Vec::new(); CLASSES.len()];
    for (c, class) in CLASSES.iter().enumerate() {
        for i in 0..PUPILS {
            let f = TestDevice::new(Role::Family, &format!("Famille {class}-{i}")).await;
            let livret = f
                .with(|d| d.add_child(&format!("Élève {class} Numéro {i:02}"), "2013-04-01", None))
                .unwrap();
            let inv = f.invite(livret, "annee/2025,vie-scolaire/2025", Rights::Write);
            let report = node::accept(&dev, &tnode, &inv, Some(class)).await.unwrap();
            assert!(report.refused.is_empty(), "{:?}", report.refused);
            by_class[c].push(livret);
            f.stop().await;
        }
    }
    let setup_ms = t_setup.elapsed().as_secs_f64() * 1000.0;

    // A term of entries in every livret (period 1/3), written through the one write path.
    let t_term = Instant::now();
    {
        let mut d = dev.lock().unwrap();
        for (c, livrets) in by_class.iter().enumerate() {
            for r in d
                .write_batch(&period_drafts(livrets, "1/3", c), BatchMode::PerEntry)
                .unwrap()
            {
                r.unwrap();
            }
        }
    }
    let term_ms = t_term.elapsed().as_secs_f64() * 1000.0;
    let held = dev.lock().unwrap().list().unwrap().len();
    assert_eq!(held, CLASSES.len() * PUPILS);

    // The app, logged in.
    let app = livret_app::App::bind(dev.clone(), tnode.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = app.addr();
    let token = app.login_url().unwrap();
    let token = token.split("token=").nth(1).unwrap().to_string();
    tokio::spawn(app.run(std::future::pending()));
    let blocking = move |method: &'static str, path: String, cookie: String, body: Vec<u8>| {
        tokio::task::spawn_blocking(move || request(addr, method, &path, &cookie, &body))
    };
    let (login, _) = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET /login?token={token} HTTP/1.1\r\nConnection: close\r\nHost: {addr}\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        (raw, 0)
    })
    .await
    .unwrap();
    let cookie = login
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap()
        .split_once(':')
        .unwrap()
        .1
        .trim()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (home_page, _) = blocking("GET", "/".into(), cookie.clone(), vec![])
        .await
        .unwrap();
    assert_eq!(home_page.status, 200);
    let at = home_page.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = home_page.body[at..at + 64].to_string();

    let class = CLASSES[0];
    // The class page with its bilans of term 1 of the year written (issue 15's table).
    let class_path = format!("/classes/{class}?year={YEAR}&period=1/3");
    let grid_path = format!(
        "/classes/{class}/grid?year={YEAR}&period=1/3{}",
        subjects_query()
    );

    // GET the class page and the grid (one warm-up each, then `runs` times).
    let mut class_ms = Vec::new();
    let mut grid_ms = Vec::new();
    for i in 0..=runs {
        let (r, ms) = blocking("GET", class_path.clone(), cookie.clone(), vec![])
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body.matches("/cycle\"").count(), PUPILS);
        let (g, gms) = blocking("GET", grid_path.clone(), cookie.clone(), vec![])
            .await
            .unwrap();
        assert_eq!(g.status, 200, "{}", g.body);
        // Every stored cell is shown (the first pupil's French appréciation is there).
        assert!(
            g.body.contains(&appreciation(0)[..40]),
            "grid without its cells"
        );
        if i > 0 {
            class_ms.push(ms);
            grid_ms.push(gms);
        }
    }

    // Baselines: the same data through the `livret` API, in-process (no HTTP, no HTML).
    let mut base_class_ms = Vec::new();
    let mut base_grid_ms = Vec::new();
    let mut show_ms = Vec::new();
    for i in 0..=runs {
        let d = dev.lock().unwrap();
        let t = Instant::now();
        let names: Vec<_> = d
            .list()
            .unwrap()
            .into_iter()
            .filter(|l| l.class.as_deref() == Some(class))
            .map(|l| l.name)
            .collect();
        assert_eq!(names.len(), PUPILS);
        // The class page also shows the class's bilans of a period, by author (issue 15).
        let status = d.class_status(class, YEAR, "1/3", &[]).unwrap();
        assert_eq!(status.pupils.len(), PUPILS);
        let class_t = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let cells = d.period_cells(class, YEAR, "1/3").unwrap();
        assert_eq!(cells.len(), PUPILS);
        let grid_t = t.elapsed().as_secs_f64() * 1000.0;
        // What the grid read before: every pupil's whole livret, every entry verified.
        let t = Instant::now();
        for l in &by_class[0] {
            d.show(*l).unwrap();
        }
        let show_t = t.elapsed().as_secs_f64() * 1000.0;
        if i > 0 {
            base_class_ms.push(class_t);
            base_grid_ms.push(grid_t);
            show_ms.push(show_t);
        }
    }

    // Saving a whole grid: 30 pupils × (12 subjects + synthesis + vie scolaire), every cell
    // new, on a fresh period of a different class each run (2/3 of classes 1 to 4); the
    // baseline writes the same drafts with `write_batch` on period 3/3 of the same classes.
    let per_grid = PUPILS * (SUBJECTS.len() + 2);
    let mut save_ms = Vec::new();
    let mut base_save_ms = Vec::new();
    for (c, livrets) in by_class.iter().enumerate().skip(1) {
        let path = format!(
            "/classes/{}/grid?year={YEAR}&period=2/3{}",
            CLASSES[c],
            subjects_query()
        );
        let body = period_form(&csrf, livrets, 100 + c).into_bytes();
        let (r, ms) = blocking("POST", path, cookie.clone(), body).await.unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.body
                .contains(&format!("{per_grid} inscription(s) signée(s)")),
            "not every cell saved"
        );
        save_ms.push(ms);
        let items = period_drafts(livrets, "3/3", 200 + c);
        let mut d = dev.lock().unwrap();
        let t = Instant::now();
        let results = d.write_batch(&items, BatchMode::PerEntry).unwrap();
        base_save_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(results.iter().all(Result::is_ok));
    }
    // Every saved cell is stored and signed.
    {
        let d = dev.lock().unwrap();
        for livrets in by_class.iter().skip(1) {
            for l in livrets {
                let report = d.verify(*l).unwrap();
                assert!(report.failures.is_empty(), "{:?}", report.failures);
                // 3 periods × 14 (the teacher was not granted the identity section)
                assert_eq!(report.checked, 3 * 14, "entries of {l}");
            }
        }
    }

    // At the end of the year: class 1's livrets now hold three periods (1/3 written at setup,
    // 2/3 through the app, 3/3 through the API); the grid of 1/3 again, and the earlier read.
    let full_path = format!(
        "/classes/{}/grid?year={YEAR}&period=1/3{}",
        CLASSES[1],
        subjects_query()
    );
    let (mut full_ms, mut full_base_ms, mut full_show_ms) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..=runs {
        let (g, ms) = blocking("GET", full_path.clone(), cookie.clone(), vec![])
            .await
            .unwrap();
        assert_eq!(g.status, 200);
        let d = dev.lock().unwrap();
        let t = Instant::now();
        assert_eq!(
            d.period_cells(CLASSES[1], YEAR, "1/3").unwrap().len(),
            PUPILS
        );
        let base_t = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        for l in &by_class[1] {
            d.show(*l).unwrap();
        }
        let show_t = t.elapsed().as_secs_f64() * 1000.0;
        if i > 0 {
            full_ms.push(ms);
            full_base_ms.push(base_t);
            full_show_ms.push(show_t);
        }
    }

    let row = |what: &str, app: f64, base: f64, target: &str, ok: bool| {
        println!(
            "| {what} | {app:.1} ms | {base:.1} ms | {:.2}× | {target} — {} |",
            app / base,
            if ok { "met" } else { "**not met**" }
        );
    };
    println!(
        "teacher device: {held} livrets ({} classes of {PUPILS}), each granted by its family over libp2p; set up in {:.0} s; a term written ({} entries) in {term_ms:.0} ms",
        CLASSES.len(),
        setup_ms / 1000.0,
        CLASSES.len() * per_grid
    );
    println!(
        "GET medians of {runs} runs; grid saves: {} runs of {per_grid} entries each",
        save_ms.len()
    );
    println!();
    println!("| measure | app (HTTP on 127.0.0.1) | `livret` API in-process | ratio | target |");
    println!("|---|---|---|---|---|");
    let (c, bc) = (median(class_ms), median(base_class_ms));
    row("GET class page (30 pupils)", c, bc, "≤ 100 ms", c <= 100.0);
    let (g, bg) = (median(grid_ms), median(base_grid_ms));
    row(
        "GET grid, 30 pupils × 12 subjects (filled)",
        g,
        bg,
        "≤ 100 ms",
        g <= 100.0,
    );
    println!(
        "| (the grid's earlier read: `show` of the 30 livrets) | | {:.1} ms | | |",
        median(show_ms)
    );
    let (s, bs) = (median(save_ms.clone()), median(base_save_ms.clone()));
    row(
        &format!("POST grid save, {per_grid} entries signed and stored"),
        s,
        bs,
        "≤ 1 s",
        s <= 1000.0,
    );
    let (f, bf) = (median(full_ms), median(full_base_ms));
    row(
        "GET grid of term 1, livrets holding 3 terms",
        f,
        bf,
        "≤ 100 ms",
        f <= 100.0,
    );
    println!(
        "| (the grid's earlier read: `show` of those 30 livrets, 3 terms) | | {:.1} ms | | |",
        median(full_show_ms)
    );
    println!();
    println!(
        "save runs (ms): app {:?}, baseline {:?}",
        save_ms.iter().map(|v| v.round()).collect::<Vec<_>>(),
        base_save_ms.iter().map(|v| v.round()).collect::<Vec<_>>()
    );
}
