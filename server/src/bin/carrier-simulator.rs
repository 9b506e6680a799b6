//! The carrier simulator on its own, for running the app against a Twilio look-alike:
//!
//! ```sh
//! cargo run -p server --bin carrier-simulator -- --bind 127.0.0.1:3999
//! ```
//!
//! The address comes from `--bind`, else SIMULATOR_BIND, else 127.0.0.1:3999; everything
//! else from `SIMULATOR_*` variables (see `SimulatorConfig::from_env`).

use server::carrier_simulator::{CarrierSimulator, SimulatorConfig};
use std::net::SocketAddr;
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: carrier-simulator [--bind ADDRESS]   (settings: SIMULATOR_* environment variables)";

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    if let Err(error) = run().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let bind = bind_address(std::env::args().skip(1).collect(), std::env::var("SIMULATOR_BIND").ok())?;
    let config = SimulatorConfig::from_env(|name| std::env::var(name).ok())?;
    let account_sid = config.account_sid.clone();
    let (_simulator, base_url) = CarrierSimulator::start_on(bind, config).await?;
    println!("Carrier simulator listening on {base_url}");
    println!("  account SID {account_sid}; the auth token is SIMULATOR_AUTH_TOKEN (default \"simulator-token\")");
    println!("  API and Messaging Service base URL: {base_url}");
    tokio::signal::ctrl_c().await?;
    Ok(())
}

fn bind_address(args: Vec<String>, from_env: Option<String>) -> Result<SocketAddr, String> {
    let from_flag = match args.as_slice() {
        [] => None,
        [flag, value] if flag == "--bind" => Some(value.clone()),
        [flag] if flag.starts_with("--bind=") => Some(flag["--bind=".len()..].to_string()),
        _ => return Err(USAGE.into()),
    };
    let address = from_flag.or(from_env).unwrap_or_else(|| "127.0.0.1:3999".into());
    address.parse().map_err(|e| format!("{address:?} is not an address like 127.0.0.1:3999: {e}"))
}
