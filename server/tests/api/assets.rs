//! The bundle on the wire: precompressed files chosen by Accept-Encoding, content-hashed names
//! cached for a year, pages revalidated, dynamic answers compressed, and the admin area's code
//! split out of what the volunteer's pages load.

use crate::helpers::{spawn_app, test_config, unique_email, TestApp, PASSWORD};
use reqwest::{header, Client};
use server::Application;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

const BUNDLE: &str = "app-0123456789abcdef";

/// A site as build_site lays it out (the bundle in `pkg/<BUNDLE>/`, or cargo-leptos' flat
/// `pkg/app.*` when not hashed), with distinct bytes per encoding so a test can tell which file
/// the server sent.
fn fake_site(hashed: bool) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("assets-{}", uuid::Uuid::new_v4().simple()));
    let pkg = if hashed { root.join("pkg").join(BUNDLE) } else { root.join("pkg") };
    std::fs::create_dir_all(&pkg).unwrap();
    for (file, body) in [
        ("app_bg.wasm", "plain wasm"),
        ("app_bg.wasm.br", "brotli wasm"),
        ("app_bg.wasm.gz", "gzip wasm"),
        ("app.js", "export default function () {}"),
        ("app.js.br", "brotli js"),
        ("app.css", "body { margin: 0 }"),
    ] {
        std::fs::write(pkg.join(file), body).unwrap();
    }
    if hashed {
        std::fs::write(root.join("bundle.txt"), format!("{BUNDLE}\n")).unwrap();
    }
    root
}

/// The app on the test's database, serving `site`.
async fn app_with_site(site: PathBuf) -> String {
    let db = spawn_app().await;
    let app = Application::build_with_site(test_config(), db.pool.clone(), site).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));
    address
}

async fn get(
    address: &str,
    path: &str,
    accept_encoding: Option<&str>,
) -> (reqwest::StatusCode, header::HeaderMap, Vec<u8>) {
    let mut req = Client::new().get(format!("{address}{path}"));
    if let Some(encodings) = accept_encoding {
        req = req.header(header::ACCEPT_ENCODING, encodings);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.headers().clone(), res.bytes().await.unwrap().to_vec())
}

fn header_of<'a>(headers: &'a header::HeaderMap, name: header::HeaderName) -> &'a str {
    headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

#[tokio::test]
async fn the_bundle_is_served_precompressed_and_immutable() {
    let address = app_with_site(fake_site(true)).await;
    let wasm = format!("/pkg/{BUNDLE}/app_bg.wasm");

    let (status, headers, body) = get(&address, &wasm, Some("br, gzip")).await;
    assert_eq!(status, 200);
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), "br");
    assert_eq!(body, b"brotli wasm");
    assert_eq!(header_of(&headers, header::CONTENT_TYPE), "application/wasm");
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "public, max-age=31536000, immutable");
    assert!(header_of(&headers, header::VARY).to_ascii_lowercase().contains("accept-encoding"), "{headers:?}");

    let (_, headers, body) = get(&address, &wasm, Some("gzip")).await;
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), "gzip");
    assert_eq!(body, b"gzip wasm");

    let (_, headers, body) = get(&address, &wasm, None).await;
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), "");
    assert_eq!(body, b"plain wasm");

    // A file with only a brotli twin: a gzip-only client gets the plain file, never brotli.
    let (_, headers, body) = get(&address, &format!("/pkg/{BUNDLE}/app.js"), Some("gzip")).await;
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), "");
    assert_eq!(body, b"export default function () {}");
}

#[tokio::test]
async fn pages_name_the_hashed_bundle_and_are_revalidated_and_compressed() {
    let address = app_with_site(fake_site(true)).await;

    let (status, headers, body) = get(&address, "/login", None).await;
    assert_eq!(status, 200);
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-cache");
    let html = String::from_utf8(body).unwrap();
    for file in
        [format!("/pkg/{BUNDLE}/app.js"), format!("/pkg/{BUNDLE}/app_bg.wasm"), format!("/pkg/{BUNDLE}/app.css")]
    {
        assert!(html.contains(&format!("href=\"{file}\"")), "the page does not link {file}: {html}");
    }
    assert!(!html.contains("/pkg/app.js") && !html.contains("/pkg/app.css"), "an unhashed name: {html}");

    let (_, headers, body) = get(&address, "/login", Some("br, gzip")).await;
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), "br");
    assert!(body.len() < html.len() / 2, "{} compressed bytes for {} of HTML", body.len(), html.len());
}

#[tokio::test]
async fn server_function_answers_are_compressed() {
    let address = app_with_site(fake_site(true)).await;
    let email = unique_email("Zip");
    let res = Client::new()
        .post(format!("{address}/api/sign_up"))
        .header(header::ACCEPT, "application/json")
        .header(header::ACCEPT_ENCODING, "gzip")
        .form(&[("display_name", "Zip Zipper"), ("email", email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header_of(res.headers(), header::CONTENT_ENCODING), "gzip");
    let body = res.bytes().await.unwrap();
    assert_eq!(&body[..2], &[0x1f, 0x8b], "not a gzip stream");
}

#[tokio::test]
async fn an_unhashed_bundle_is_revalidated_on_every_load() {
    // A site built without build_site (cargo-leptos) reuses one name across builds.
    let address = app_with_site(fake_site(false)).await;
    let (status, headers, body) = get(&address, "/pkg/app_bg.wasm", Some("br")).await;
    assert_eq!(status, 200);
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-cache");
    assert_eq!(body, b"brotli wasm");
    let (_, _, html) = get(&address, "/login", None).await;
    assert!(String::from_utf8(html).unwrap().contains("href=\"/pkg/app.css\""));
}

/// The site `build_site` made (`./scripts/test` builds it before the Rust tests run).
fn built_site() -> (PathBuf, String) {
    let site = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/site");
    let bundle = std::fs::read_to_string(site.join("bundle.txt")).unwrap_or_else(|_| {
        panic!("no built site in {}: run `source scripts/lib.sh; build_site` first", site.display())
    });
    (site, bundle.trim().to_string())
}

/// What a browser loads by itself from a file, as same-origin paths: a page's `<link href>` and
/// `<script src>` and the bundle path in its inline hydration script; a module's static imports
/// and wasm-bindgen's `new URL('…wasm', import.meta.url)`. The split loader's
/// `new URL("./chunk.wasm", …)` calls are left out: they run only when a lazy route asks.
fn static_loads(path: &str, text: &str) -> Vec<String> {
    let between = |open: &str, close: char| -> Vec<String> {
        text.split(open)
            .skip(1)
            .filter_map(|piece| piece.find(close).map(|end| piece[..end].to_string()))
            .collect::<Vec<_>>()
    };
    let mut found = Vec::new();
    if path.ends_with(".js") {
        found.extend(between(" from '", '\''));
        found.extend(between(" from \"", '"'));
        if !path.contains("__wasm_split") {
            found.extend(between("new URL('", '\''));
        }
    } else {
        for (tag, attribute) in [("<link ", "href=\""), ("<script ", "src=\"")] {
            for piece in text.split(tag).skip(1) {
                let element = &piece[..piece.find('>').unwrap_or(piece.len())];
                if let Some(value) = element.split(attribute).nth(1).and_then(|v| v.split('"').next()) {
                    found.push(value.to_string());
                }
            }
        }
    }
    let dir = path.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("");
    found
        .into_iter()
        .filter(|r| r.starts_with('/') || r.starts_with("./"))
        .map(|r| if r.starts_with('/') { r } else { format!("{dir}/{}", r.trim_start_matches("./")) })
        .collect()
}

#[tokio::test]
async fn the_volunteer_screens_load_none_of_the_admin_areas_chunks() {
    let (site, bundle) = built_site();
    let pkg = site.join("pkg").join(&bundle);
    // The splitter's manifest: each lazy split (one per admin route, named after its view) and
    // the chunk files it needs.
    let manifest: BTreeMap<String, Vec<String>> =
        serde_json::from_str(&std::fs::read_to_string(pkg.join("__wasm_split_manifest.json")).unwrap()).unwrap();
    let split_of = |route: &str| {
        manifest
            .iter()
            .find(|(split, _)| split.trim_start_matches('_').starts_with(&format!("{route}_view_")))
            .unwrap_or_else(|| panic!("no lazy split for {route} in {manifest:?}"))
    };
    let admin: Vec<_> = [
        "admin_layout_route",
        "actions_route",
        "action_editor_route",
        "contacts_route",
        "contact_list_route",
        "data_route",
        "volunteers_route",
        "settings_route",
        "results_index_route",
        "action_results_route",
        "supervision_route",
        "supervised_thread_route",
    ]
    .into_iter()
    .map(split_of)
    .collect();
    // The volunteer area's own lazy screens (sign-in, join, inbox) may share chunks with the
    // admin area; those shared ones are not the admin area's code.
    let volunteer: BTreeSet<&String> =
        manifest.iter().filter(|(split, _)| !admin.iter().any(|(a, _)| a == split)).flat_map(|(_, c)| c).collect();
    for (split, chunks) in &admin {
        assert!(chunks.iter().any(|chunk| !volunteer.contains(chunk)), "{split} has no chunk of its own");
    }
    let admin_chunks: BTreeSet<String> = admin
        .iter()
        .flat_map(|(_, chunks)| chunks.iter())
        .filter(|chunk| !volunteer.contains(chunk))
        .map(|chunk| format!("{chunk}.wasm"))
        .collect();
    for chunk in &admin_chunks {
        assert!(std::fs::metadata(pkg.join(chunk)).unwrap().len() > 0, "{chunk} is empty");
    }

    let db = spawn_app().await;
    let app = Application::build_with_site(test_config(), db.pool.clone(), site).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));
    let app = TestApp { address, ..db };
    let (owner, _) = app.user("Split Owner").await;
    let org = app.org(&owner, "Split Org").await;
    let (volunteer, _) = app.volunteer(&owner, &org, "Split Volunteer").await;

    let visitor = Client::new();
    let texting = format!("/o/{org}/text/{}", uuid::Uuid::new_v4());
    for (client, page) in [
        (&volunteer, texting),
        (&volunteer, format!("/o/{org}")),
        (&volunteer, format!("/o/{org}/inbox")),
        (&visitor, "/login".to_string()),
        (&visitor, "/join".to_string()),
    ] {
        let page = page.as_str();
        let mut loaded = BTreeSet::new();
        let mut queue = VecDeque::from([page.to_string()]);
        while let Some(path) = queue.pop_front() {
            if !loaded.insert(path.clone()) {
                continue;
            }
            let res = client.get(format!("{}{path}", app.address)).send().await.unwrap();
            assert!(res.status().is_success() || path == page, "{path} answered {}", res.status());
            let text = res.text().await.unwrap();
            if path == page {
                for chunk in &admin_chunks {
                    assert!(!text.contains(chunk.as_str()), "{page} names the admin chunk {chunk}: {text}");
                }
            }
            if path == page || path.ends_with(".js") {
                queue.extend(static_loads(&path, &text));
            }
        }
        // The walk found the bundle, so finding no chunk in it means something.
        for file in ["app.js", "app_bg.wasm", "app.css"] {
            assert!(loaded.contains(&format!("/pkg/{bundle}/{file}")), "{page} does not load {file}: {loaded:?}");
        }
        let admin_loads: Vec<_> = loaded
            .iter()
            .filter(|path| admin_chunks.iter().any(|chunk| path.ends_with(&format!("/{chunk}"))))
            .collect();
        assert!(admin_loads.is_empty(), "{page} loads admin chunks: {admin_loads:?}");
    }
}
