use crate::{contact_files, exports, script_images, webhooks};
use app::error::AppError;
use app::server::{db, AppState, Config};
use app::{shell, App};
use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::Response,
    routing::{get, post},
    Router,
};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::{postgres::PgPoolOptions, PgPool};
use std::{future::Future, net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use tower::Layer;
use tower_http::{
    compression::{
        predicate::{DefaultPredicate, NotForContentType, Predicate},
        CompressionLayer,
    },
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
};
use tower_sessions::{
    cookie::{Key, SameSite},
    Expiry, SessionManagerLayer,
};
use tower_sessions_sqlx_store::PostgresStore;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    port: u16,
    pub state: AppState,
}

/// Opens a pool and brings the schema up to date (our migrations and the session table).
pub async fn connect(database_url: &str) -> Result<PgPool, BoxError> {
    let pool =
        PgPoolOptions::new().max_connections(10).acquire_timeout(Duration::from_secs(10)).connect(database_url).await?;
    crate::schema::MIGRATOR.run(&pool).await?;
    PostgresStore::new(pool.clone()).migrate().await?;
    Ok(pool)
}

/// A pool on a read replica (`DATABASE_READ_URL`): no migrations, which only the primary takes.
pub async fn connect_read(database_url: &str) -> Result<PgPool, BoxError> {
    Ok(PgPoolOptions::new().max_connections(10).acquire_timeout(Duration::from_secs(10)).connect(database_url).await?)
}

impl Application {
    /// Binds `config.bind` (port 0 picks a free port, as tests do) and wires the app, with every
    /// read on the primary.
    pub async fn build(config: Config, pool: PgPool) -> Result<Application, BoxError> {
        Application::build_with_reads(config, pool.clone(), pool).await
    }

    /// As `build`, with the reads that may lag (results, exports) on `read_pool`.
    pub async fn build_with_reads(config: Config, pool: PgPool, read_pool: PgPool) -> Result<Application, BoxError> {
        let site_root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
        Self::build_full(config, pool, read_pool, PathBuf::from(site_root)).await
    }

    /// As `build`, serving the static site (wasm bundle, CSS, PWA files) from `site_root`.
    pub async fn build_with_site(config: Config, pool: PgPool, site_root: PathBuf) -> Result<Application, BoxError> {
        Self::build_full(config, pool.clone(), pool, site_root).await
    }

    async fn build_full(
        config: Config,
        pool: PgPool,
        read_pool: PgPool,
        site_root: PathBuf,
    ) -> Result<Application, BoxError> {
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let port = listener.local_addr()?.port();
        // The bundle's files keep their plain names (app.js, app_bg.wasm, app.css, and the
        // split chunks with the loader leptos names `__wasm_split.____.js`) inside a folder named
        // by their hash, so every URL under it is immutable.
        let pkg_dir = match bundle_name(&site_root) {
            Some(bundle) => format!("pkg/{bundle}"),
            None => "pkg".to_string(),
        };
        let site_root = site_root.to_string_lossy().into_owned();
        let leptos_options = LeptosOptions::builder()
            .output_name("app")
            .site_root(site_root.as_str())
            .site_pkg_dir(pkg_dir.as_str())
            .site_addr(listener.local_addr()?)
            .build();
        let key = session_key(&pool, &config).await?;
        let sessions = SessionManagerLayer::new(PostgresStore::new(pool.clone()))
            .with_name("p2p_session")
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(config.secure_cookies())
            .with_expiry(Expiry::OnInactivity(time::Duration::days(30)))
            .with_signed(key);
        let state = AppState { db: pool, read_db: read_pool, config: Arc::new(config), leptos_options };
        let router = router(state.clone(), PathBuf::from(site_root)).layer(sessions);
        Ok(Application { listener, router, port, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` resolves, then finishes the requests in flight. The action clock
    /// (scheduled actions go live, ended ones close) runs alongside.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let clock = tokio::spawn(action_clock(self.state.db.clone()));
        let inbound = tokio::spawn(inbound_recovery(self.state.db.clone()));
        let served = axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await;
        // Stopped and awaited, so the caller may close the pool and the database after us.
        clock.abort();
        inbound.abort();
        let _ = clock.await;
        let _ = inbound.await;
        served
    }
}

/// Inbound texts stored but never processed (the process stopped between answering Twilio
/// and applying them): all of them at start, then any left for 30 s.
async fn inbound_recovery(db: PgPool) {
    let mut older_than = Duration::ZERO;
    loop {
        match crate::webhooks::process_pending(&db, older_than).await {
            Ok(0) => {}
            Ok(done) => tracing::info!(done, "inbound texts stored earlier are processed"),
            Err(error) => tracing::warn!(?error, "processing stored inbound texts"),
        }
        older_than = Duration::from_secs(30);
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
}

/// Every few seconds, moves actions whose time has come. Several processes may run this at
/// once: each update only touches rows still in the state it changes.
async fn action_clock(db: PgPool) {
    let mut tick: u64 = 0;
    loop {
        tick += 1;
        if let Err(error) = db::actions::advance_clock(&db).await {
            tracing::warn!(?error, "action clock");
        }
        // Actions that just went live get their contacts ready to claim; lapsed claims return.
        if let Err(error) = db::assignment::load_pending(&db).await {
            tracing::warn!(?error, "loading action contacts");
        }
        if let Err(error) = db::assignment::sweep(&db).await {
            tracing::warn!(?error, "releasing lapsed claims");
        }
        // Hourly (every 720 ticks of 5 s), and once at start.
        if tick % 720 == 1 {
            // Retention: the data of actions closed longer ago than their organization keeps it.
            match db::retention::run(&db).await {
                Ok(run) if run.actions > 0 => tracing::info!(?run, "retention deleted the data of closed actions"),
                Ok(_) => {}
                Err(error) => tracing::warn!(?error, "retention"),
            }
            if let Err(error) = db::assignment::archive_idle(&db).await {
                tracing::warn!(?error, "archiving idle conversations");
            }
            if let Err(error) = db::script_images::sweep_unused(&db).await {
                tracing::warn!(?error, "removing unused pictures");
            }
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// The bundle's folder under pkg/: `app-<content hash>` as `build_site` names it (in
/// `bundle.txt`), or none for a site built another way (cargo-leptos writes pkg/app.js).
fn bundle_name(site_root: &std::path::Path) -> Option<String> {
    std::fs::read_to_string(site_root.join("bundle.txt"))
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
}

fn router(state: AppState, site_root: PathBuf) -> Router {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let options = state.leptos_options.clone();
    let no_cache = || SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    let a_day =
        || SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    // A hashed bundle name changes with every build, so its files never change under a URL: a
    // phone keeps them for a year and a second visit downloads only the HTML. A bundle without
    // a hash (cargo-leptos) keeps one name across builds, so it must be revalidated every load
    // or a new build would meet an old wasm file and fail to hydrate.
    let pkg_cache = HeaderValue::from_static(if options.site_pkg_dir.as_ref() == "pkg" {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    });
    // build_site writes <file>.br and <file>.gz next to each file; ServeDir picks one by the
    // request's Accept-Encoding (brotli first), and `Vary` keeps shared caches from mixing them.
    let pkg = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, pkg_cache))
        .layer(SetResponseHeaderLayer::appending(header::VARY, HeaderValue::from_static("accept-encoding")))
        .service(ServeDir::new(site_root.join("pkg")).precompressed_br().precompressed_gzip());
    Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(options.clone()),
        )
        .route(crate::health::HEALTHZ_PATH, get(crate::health::healthz))
        .route(crate::health::READYZ_PATH, get(crate::health::readyz))
        .route(crate::test_clock::PATH, axum::routing::put(crate::test_clock::move_to).delete(crate::test_clock::reset))
        .route(webhooks::STATUS_PATH, post(webhooks::status))
        .route(webhooks::INBOUND_PATH, post(webhooks::inbound))
        .route("/api/imports/{import_id}/upload", post(contact_files::upload))
        .route("/api/imports/{import_id}/rejects.csv", get(contact_files::rejects))
        .route("/api/actions/{action_id}/export/contacts.csv", get(exports::contacts))
        .route("/api/actions/{action_id}/export/messages.csv", get(exports::messages))
        .route("/api/actions/{action_id}/export/send-audit.csv", get(exports::send_audit))
        .route("/api/orgs/{org_id}/do-not-contact", post(crate::do_not_contact::upload))
        .route("/api/orgs/{org_id}/opt-outs.csv", get(crate::do_not_contact::export))
        .route("/api/actions/{action_id}/image", post(script_images::upload).delete(script_images::remove))
        .route(script_images::MEDIA_PATH, get(script_images::serve))
        .route(crate::action_links::PATH, get(crate::action_links::open))
        .route(crate::action_links::QR_PATH, get(crate::action_links::qr))
        .route(crate::inbound_media::PATH, get(crate::inbound_media::serve))
        .nest_service("/pkg", pkg)
        .route_service("/sw.js", no_cache().layer(ServeFile::new(site_root.join("sw.js"))))
        // Icons keep their names across builds but hardly ever change: a day of staleness
        // costs nothing, and a phone need not ask for them on every visit.
        .nest_service("/icons", a_day().layer(ServeDir::new(site_root.join("icons"))))
        .route_service("/favicon.ico", a_day().layer(ServeFile::new(site_root.join("favicon.ico"))))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            shell,
        ))
        .layer(middleware::from_fn(server_fn_status))
        // Said in the error a too-large request gets (AppError::TooLarge); the uploads stream
        // their bodies and keep their own limits.
        .layer(axum::extract::DefaultBodyLimit::max(app::error::REQUEST_BODY_LIMIT_BYTES))
        // Pages, server-function answers and the other static files carry no cache header of
        // their own: they are revalidated on every load (a page is per person and changes).
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        // Compresses what is made per request (HTML, server-function JSON, CSV exports); the
        // precompressed /pkg answers already carry Content-Encoding and pass through, and
        // images are left alone (the default predicate).
        // CSV downloads stream as they are written and are left uncompressed: Chromium cancelled
        // compressed streamed downloads in the end-to-end tests.
        .layer(
            CompressionLayer::new()
                .br(true)
                .gzip(true)
                .compress_when(DefaultPredicate::new().and(NotForContentType::new("text/csv"))),
        )
        .with_state(state)
}

/// Server functions answer every error with 500; this gives each error its real status
/// (401, 403, 422, ...) so logs, proxies and tests can tell them apart.
async fn server_fn_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR || !res.headers().contains_key("serverfnerror") {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The cookie signing key: from SESSION_SECRET when set, else generated once and kept in the
/// database so restarts and other processes sign the same way.
async fn session_key(pool: &PgPool, config: &Config) -> Result<Key, BoxError> {
    let material = match &config.session_secret {
        Some(secret) => secret.as_bytes().to_vec(),
        None => {
            db::secrets::get_or_create(pool, "session_key", || {
                let mut bytes = vec![0u8; 64];
                rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
                bytes
            })
            .await?
        }
    };
    // HKDF stretches the secret into the signing key (SESSION_SECRET is at least 32 bytes).
    Ok(Key::derive_from(&material))
}
