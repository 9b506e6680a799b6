//! What a volunteer's phone downloads to open the texting screen: the app runs in-process on a
//! seeded database and serves the site `build_site` made (target/site); a client fetches, as a
//! browser would with `Accept-Encoding: br, gzip`, the page's HTML and every asset it references
//! (and theirs: the stylesheet's `url()`s, the module's imports, the manifest's icons, the
//! service worker), counting the bytes on the wire (status line, headers and body as sent, so
//! compressed). The repeat visit honours the cache headers the first one got: fresh files are
//! not asked for again, the rest are revalidated with `If-None-Match` / `If-Modified-Since`.
//!
//! Needs a built site: `source scripts/lib.sh; build_site` (or `./scripts/run` once).

#[allow(dead_code)]
mod common;

use app::server::Config;
use reqwest::{header, Client};
use server::Application;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;

const PASSWORD: &str = "correct horse battery";

/// What the first visit learnt about one URL, for the repeat visit.
struct Cached {
    fresh: bool,
    etag: Option<String>,
    last_modified: Option<String>,
}

struct Visit {
    bytes: usize,
    requests: usize,
    files: BTreeMap<String, usize>,
}

fn wire_bytes(headers: &header::HeaderMap, body: usize) -> usize {
    let headers: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    // "HTTP/1.1 200 OK\r\n" and the blank line that ends the headers.
    17 + headers + 2 + body
}

/// The same-origin paths a text refers to, by the kind of file it is.
fn references(path: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let between = |open: &str, close: char| -> Vec<String> {
        text.split(open)
            .skip(1)
            .filter_map(|piece| piece.find(close).map(|end| piece[..end].trim().to_string()))
            .collect()
    };
    let mut grab = |open: &str, close: char| found.extend(between(open, close));
    if path.ends_with(".css") {
        grab("url(", ')');
    } else if path.ends_with(".js") && path.starts_with("/pkg/") {
        // Static imports (the glue imports the split loader, which imports the glue back) and
        // the wasm-bindgen glue's default `new URL('x.wasm', import.meta.url)`. The loader's own
        // `new URL("./chunk.wasm", …)` run only when a lazy route asks: a page that needs
        // chunks gets them preloaded in its HTML (`<link rel="preload">`, followed below), and
        // the hydrating page fetches exactly those.
        grab(" from '", '\'');
        grab(" from \"", '"');
        if !path.contains("__wasm_split") {
            grab("new URL('", '\'');
        }
    } else if path.ends_with(".json") {
        grab("\"src\": \"", '"');
        grab("\"src\":\"", '"');
    } else if path == "/sw.js" {
        // The worker's own references are counted by the browser benchmark; here it is one file.
    } else {
        // What the browser fetches by itself: <link href> (stylesheet, preloads, manifest,
        // icons) and <script>/<img> src; <a href> is a link a person may follow, not a load.
        let mut grab_value = Vec::new();
        for (tag, attribute) in [("<link ", "href=\""), ("<script ", "src=\""), ("<img ", "src=\"")] {
            for piece in text.split(tag).skip(1) {
                let element = &piece[..piece.find('>').unwrap_or(piece.len())];
                if let Some(value) = element.split(attribute).nth(1).and_then(|v| v.split('"').next()) {
                    grab_value.push(value.to_string());
                }
            }
        }
        // The shell registers the service worker from an inline script.
        grab_value.extend(between("register('", '\''));
        found.extend(grab_value);
    }
    let dir = path.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("");
    found
        .into_iter()
        .map(|r| r.trim_matches(|c| c == '"' || c == '\'').to_string())
        .filter(|r| !r.is_empty() && !r.starts_with("http") && !r.starts_with("data:") && !r.starts_with('#'))
        .map(|r| if r.starts_with('/') { r } else { format!("{dir}/{}", r.trim_start_matches("./")) })
        .collect()
}

async fn get(client: &Client, url: &str, extra: &[(header::HeaderName, String)]) -> (header::HeaderMap, Vec<u8>) {
    let mut req = client.get(url).header(header::ACCEPT_ENCODING, "br, gzip");
    for (name, value) in extra {
        req = req.header(name, value);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.bytes().await.expect("body").to_vec();
    assert!(status.is_success() || status.as_u16() == 304, "{url} answered {status}");
    (headers, body)
}

/// The text of a file, to look for references in (fetched again without compression, and not
/// counted: a browser decodes what it received).
async fn plain_text(client: &Client, url: &str) -> String {
    client.get(url).header(header::ACCEPT_ENCODING, "identity").send().await.unwrap().text().await.unwrap()
}

async fn first_visit(client: &Client, base: &str, page: &str, cache: &mut BTreeMap<String, Cached>) -> Visit {
    let mut visit = Visit { bytes: 0, requests: 0, files: BTreeMap::new() };
    let mut queue = VecDeque::from([page.to_string()]);
    let mut seen = BTreeSet::from([page.to_string()]);
    while let Some(path) = queue.pop_front() {
        let url = format!("{base}{path}");
        let (headers, body) = get(client, &url, &[]).await;
        let bytes = wire_bytes(&headers, body.len());
        visit.bytes += bytes;
        visit.requests += 1;
        visit.files.insert(path.clone(), bytes);
        let control = headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).unwrap_or("");
        let fresh = !control.contains("no-cache")
            && !control.contains("no-store")
            && control.split(',').any(|d| d.trim().strip_prefix("max-age=").is_some_and(|s| s != "0"));
        let value = |name| headers.get(&name).and_then(|v: &header::HeaderValue| v.to_str().ok()).map(String::from);
        cache.insert(
            path.clone(),
            Cached { fresh, etag: value(header::ETAG), last_modified: value(header::LAST_MODIFIED) },
        );
        let parsed = [".js", ".css", ".json"].iter().any(|ext| path.ends_with(ext));
        let text = if path == page || parsed { plain_text(client, &url).await } else { String::new() };
        for reference in references(&path, &text) {
            if seen.insert(reference.clone()) {
                queue.push_back(reference);
            }
        }
    }
    visit
}

async fn repeat_visit(client: &Client, base: &str, cache: &BTreeMap<String, Cached>) -> Visit {
    let mut visit = Visit { bytes: 0, requests: 0, files: BTreeMap::new() };
    for (path, cached) in cache {
        if cached.fresh {
            continue;
        }
        let mut conditions = Vec::new();
        if let Some(etag) = &cached.etag {
            conditions.push((header::IF_NONE_MATCH, etag.clone()));
        }
        if let Some(modified) = &cached.last_modified {
            conditions.push((header::IF_MODIFIED_SINCE, modified.clone()));
        }
        let (headers, body) = get(client, &format!("{base}{path}"), &conditions).await;
        let bytes = wire_bytes(&headers, body.len());
        visit.bytes += bytes;
        visit.requests += 1;
        visit.files.insert(path.clone(), bytes);
    }
    visit
}

fn report(page: &str, visit: &Visit, chunks: &BTreeSet<String>) -> usize {
    let lazy =
        visit.files.keys().filter(|path| chunks.iter().any(|chunk| path.ends_with(&format!("/{chunk}")))).count();
    println!("BENCH first_load page={page} bytes={} requests={} lazy_chunks={lazy}", visit.bytes, visit.requests);
    for (path, bytes) in &visit.files {
        eprintln!("  {page} {path} {bytes}");
    }
    lazy
}

/// A signed-in person with `role` in the bench's organization.
async fn member(base: &str, pool: &sqlx::PgPool, org: uuid::Uuid, role: &str) -> Client {
    let client = Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let email = format!("{role}-{}@example.org", uuid::Uuid::new_v4().simple());
    let res = client
        .post(format!("{base}/api/sign_up"))
        .header(header::ACCEPT, "application/json")
        .form(&[("display_name", role), ("email", email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "sign up: {}", res.status());
    sqlx::query(
        "insert into memberships (organization_id, user_id, role)
         select $1, id, $3::text::member_role from users where email = $2",
    )
    .bind(org)
    .bind(&email)
    .bind(role)
    .execute(pool)
    .await
    .unwrap();
    client
}

#[tokio::main]
async fn main() {
    let site = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/site");
    assert!(
        site.join("bundle.txt").exists(),
        "no built site in {}: run `source scripts/lib.sh; build_site` first",
        site.display()
    );
    // The lazily loaded chunks of the admin area, from the splitter's manifest.
    let bundle = std::fs::read_to_string(site.join("bundle.txt")).unwrap();
    let manifest = std::fs::read_to_string(site.join("pkg").join(bundle.trim()).join("__wasm_split_manifest.json"))
        .expect("the split manifest: build the site with build_site");
    let manifest: BTreeMap<String, Vec<String>> = serde_json::from_str(&manifest).unwrap();
    let chunks: BTreeSet<String> = manifest.values().flatten().map(|chunk| format!("{chunk}.wasm")).collect();
    let bench = common::setup(50).await;
    let config = Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        public_base_url: "http://p2p.bench".into(),
        session_secret: None,
        twilio: None,
    };
    let app = Application::build_with_site(config, bench.pool.clone(), site).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));

    let volunteer = member(&base, &bench.pool, bench.org, "volunteer").await;
    let texting = format!("/o/{}/text/{}", bench.org, bench.action);
    let mut cache = BTreeMap::new();
    let first = first_visit(&volunteer, &base, &texting, &mut cache).await;
    report("texting", &first, &chunks);
    let repeat = repeat_visit(&volunteer, &base, &cache).await;
    report("texting_repeat", &repeat, &chunks);

    let admin = member(&base, &bench.pool, bench.org, "admin").await;
    let admin_page = format!("/o/{}/admin", bench.org);
    // The admin page's chunks are counted from the preloads in its HTML. Leptos 0.8.23 leaves
    // them out of some answers (seen in about one run in three here: the lazy route seems to
    // render before the server has set up the list it records them in); the browser then
    // still fetches the same chunks while hydrating, only later. So a visit with no chunk is
    // repeated (up to 5 times) rather than reported as a smaller download.
    let mut misses = 0;
    let admin_visit = loop {
        let visit = first_visit(&admin, &base, &admin_page, &mut BTreeMap::new()).await;
        let lazy = visit.files.keys().filter(|path| chunks.iter().any(|c| path.ends_with(&format!("/{c}")))).count();
        if lazy > 0 || misses == 4 {
            break visit;
        }
        misses += 1;
    };
    let admin_chunks = report("admin_actions", &admin_visit, &chunks);
    println!("BENCH first_load page=admin_actions preload_misses={misses}");
    assert!(admin_chunks > 0, "the admin page's HTML named none of its lazy chunks in {} visits", misses + 1);
}
