//! The bundle on the wire: precompressed files chosen by Accept-Encoding, content-hashed names
//! cached for a year, pages revalidated, and dynamic answers compressed.

use crate::helpers::{spawn_app, test_config, unique_email, PASSWORD};
use reqwest::{header, Client};
use server::Application;
use std::path::{Path, PathBuf};

const BUNDLE: &str = "app-0123456789abcdef";

/// A site as build_site lays it out, with distinct bytes per encoding so a test can tell which
/// file the server sent.
fn fake_site(hashed: bool) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("assets-{}", uuid::Uuid::new_v4().simple()));
    let name = if hashed { BUNDLE } else { "app" };
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    for (file, body) in [
        (format!("{name}_bg.wasm"), "plain wasm"),
        (format!("{name}_bg.wasm.br"), "brotli wasm"),
        (format!("{name}_bg.wasm.gz"), "gzip wasm"),
        (format!("{name}.js"), "export default function () {}"),
        (format!("{name}.js.br"), "brotli js"),
        (format!("{name}.css"), "body { margin: 0 }"),
    ] {
        std::fs::write(root.join("pkg").join(file), body).unwrap();
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
    let wasm = format!("/pkg/{BUNDLE}_bg.wasm");

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
    let (_, headers, body) = get(&address, &format!("/pkg/{BUNDLE}.js"), Some("gzip")).await;
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
    for file in [format!("/pkg/{BUNDLE}.js"), format!("/pkg/{BUNDLE}_bg.wasm"), format!("/pkg/{BUNDLE}.css")] {
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
