use app::server::{config::TwilioCredentials, Config};
use server::carrier_simulator::{CarrierSimulator, SimulatorConfig};

/// The number the simulator's texts come from when no real number is configured.
const SIMULATOR_FROM_NUMBER: &str = "+13122000001";
use server::{demo, embedded_postgres::EmbeddedPostgres, startup, Application};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    if let Err(error) = run().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), startup::BoxError> {
    let config = Config::from_env()?;
    // Without DATABASE_URL we bring our own database: a cluster in .data/postgres.
    let (database_url, embedded) = match std::env::var("DATABASE_URL").ok().filter(|v| !v.is_empty()) {
        Some(url) => (url, None),
        None => {
            let dir = std::env::var("P2P_DATA_DIR").unwrap_or_else(|_| ".data".into());
            let pg = EmbeddedPostgres::start(&std::path::Path::new(&dir).join("postgres"), false)?;
            create_database_if_missing(&pg.url("postgres"), "p2p").await?;
            (pg.url("p2p"), Some(pg))
        }
    };
    let result = serve(config, &database_url, embedded.is_some()).await;
    if let Some(pg) = embedded {
        tracing::info!("stopping the embedded PostgreSQL");
        pg.stop();
    }
    result
}

async fn serve(mut config: Config, database_url: &str, seed_demo: bool) -> Result<(), startup::BoxError> {
    let pool = startup::connect(database_url).await?;
    // Without Twilio credentials, texts go to the carrier simulator, which answers like Twilio
    // and posts signed status callbacks and some replies back to us.
    let _simulator = if config.twilio.is_none() {
        // SIMULATOR_* variables tune it (see SimulatorConfig::from_env); by default some
        // contacts reply, to our own inbound webhook.
        let mut sim_config = SimulatorConfig::from_env(|name| std::env::var(name).ok())?;
        if sim_config.inbound_url.is_none() {
            sim_config.inbound_url = Some(config.link(server::webhooks::INBOUND_PATH));
        }
        if std::env::var("SIMULATOR_REPLY_RATE").is_err() {
            sim_config.reply_rate = 0.3;
        }
        let (simulator, base_url) = match std::env::var("SIMULATOR_ADDRESS") {
            Ok(address) => CarrierSimulator::start_on(address.parse()?, sim_config.clone()).await?,
            Err(_) => CarrierSimulator::start(sim_config.clone()).await?,
        };
        println!("Carrier simulator (no Twilio credentials set) at {base_url}");
        config.twilio = Some(TwilioCredentials {
            account_sid: sim_config.account_sid.clone(),
            auth_token: sim_config.auth_token.clone(),
            api_base: base_url.clone(),
            messaging_base: base_url,
            messaging_service_sid: None,
            from_number: Some(SIMULATOR_FROM_NUMBER.into()),
        });
        Some(simulator)
    } else {
        None
    };
    let flag = |name: &str| std::env::var(name).is_ok_and(|v| v == "1");
    // The end-to-end tests judge texting hours at a chosen moment; never with a real carrier.
    if flag("P2P_TEST_CLOCK") {
        if _simulator.is_none() {
            return Err("P2P_TEST_CLOCK=1 is only for the carrier simulator: unset it or the Twilio credentials".into());
        }
        app::server::clock::allow_moving();
        println!("The test clock can be moved at {}", server::test_clock::PATH);
    }
    if seed_demo || flag("SEED_DEMO") {
        // `./scripts/run --reset-demo` (RESET_DEMO=1): the demo organization starts over.
        if flag("RESET_DEMO") {
            demo::reset(&pool).await?;
            println!("The demo organization was reset.");
        }
        let code = demo::seed(&pool).await?;
        println!("\nDemo organization \"{}\" (join code {code}):", demo::DEMO_ORG);
        for login in demo::LOGINS {
            println!("  {:<10} {}  password: {}", login.role, login.email, login.password);
        }
    }
    // Results and exports may read from a streaming replica.
    let read_pool = match std::env::var("DATABASE_READ_URL").ok().filter(|v| !v.is_empty()) {
        Some(url) => startup::connect_read(&url).await?,
        None => pool.clone(),
    };
    let app = Application::build_with_reads(config, pool.clone(), read_pool.clone()).await?;
    let mut workers = Vec::new();
    match server::outbox::Outbox::from_state(&app.state) {
        Ok(outbox) => workers.push(tokio::spawn(outbox.run())),
        Err(e) => eprintln!("warning: texts will not be sent: {e}"),
    }
    // Beside the outbox: buys and releases the numbers of each action's pool.
    match server::number_pools::NumberPools::from_state(&app.state) {
        Ok(Some(pools)) => workers.push(tokio::spawn(pools.run(std::time::Duration::from_secs(10)))),
        Ok(None) => {}
        Err(e) => eprintln!("warning: number pools are off: {e}"),
    }
    println!("\nP2P Texting is running at {}\n", app.state.config.public_base_url);
    // Returns once the requests in flight are answered and the action clock has stopped.
    let served = app.run_until(shutdown_signal()).await;
    // Then the workers, before the database goes (the caller stops an embedded PostgreSQL
    // next): a worker still running would log the lost connection as an error. Stopping one
    // mid-send is as safe as a crash: the claim's lease runs out and the next process
    // reconciles it with the carrier instead of sending again.
    for worker in &workers {
        worker.abort();
    }
    for worker in workers {
        let _ = worker.await;
    }
    tracing::info!("workers stopped");
    pool.close().await;
    read_pool.close().await;
    served?;
    Ok(())
}

async fn create_database_if_missing(admin_url: &str, name: &str) -> Result<(), startup::BoxError> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    let exists: bool = sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
        .bind(name)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        sqlx::query(&format!("create database \"{name}\"")).execute(&mut conn).await?;
    }
    Ok(())
}

/// Ctrl-C or SIGTERM: stop taking requests, finish the ones in flight, then return.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
