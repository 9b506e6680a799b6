//! A private PostgreSQL cluster started from the machine's own PostgreSQL binaries, in a data
//! folder we choose. The run command uses it when no DATABASE_URL is given; the tests use one
//! too, so nobody needs a database server set up by hand.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    socket_dir: PathBuf,
    bin_dir: PathBuf,
    /// When we run as root, PostgreSQL refuses to start; it then runs as this system user.
    run_as: Option<String>,
    /// Stop on `stop()` only a server this process started, never one that was already up.
    started_here: bool,
    /// The server's log, and the options it is started with (kept for `restart`).
    log: PathBuf,
    options: String,
}

const SUPERUSER: &str = "app";

impl EmbeddedPostgres {
    /// Starts (initialising first if needed) the cluster kept under `root`, or attaches to it if
    /// it is already running. `for_tests` trades durability for speed.
    pub fn start(root: &Path, for_tests: bool) -> Result<EmbeddedPostgres, String> {
        let bin_dir = find_bin_dir()?;
        std::fs::create_dir_all(root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
        let root = root.canonicalize().map_err(|e| format!("cannot resolve {}: {e}", root.display()))?;
        let data_dir = root.join("data");
        let socket_dir = short_socket_dir(&root);
        std::fs::create_dir_all(&socket_dir).map_err(|e| format!("cannot create {}: {e}", socket_dir.display()))?;
        let run_as = running_as_root().then(|| "postgres".to_string());
        if let Some(user) = &run_as {
            // The postgres user must own everything the server writes to.
            for dir in [&root, &socket_dir] {
                run(Command::new("chown").arg("-R").arg(format!("{user}:")).arg(dir), "chown")?;
            }
        }
        let mut options = format!(
            "-k {} -c listen_addresses='' -c max_connections=200 -c unix_socket_permissions=0700",
            socket_dir.display()
        );
        if for_tests {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let log = root.join("postgres.log");
        let mut pg = EmbeddedPostgres { data_dir, socket_dir, bin_dir, run_as, started_here: false, log, options };
        if !pg.data_dir.join("PG_VERSION").exists() {
            let mut initdb = pg.command("initdb");
            initdb.arg("-D").arg(&pg.data_dir).args(["-A", "trust", "-U", SUPERUSER, "-E", "UTF8", "--locale=C"]);
            run(&mut initdb, "initdb")?;
        }
        if !pg.is_running() {
            pg.launch()?;
            pg.started_here = true;
        }
        Ok(pg)
    }

    /// A connection URL for database `db` on this cluster.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{SUPERUSER}@localhost/{db}?host={}", self.socket_dir.display())
    }

    pub fn is_running(&self) -> bool {
        let mut status = self.command("pg_ctl");
        status.arg("-D").arg(&self.data_dir).arg("status");
        status.output().map(|o| o.status.success()).unwrap_or(false)
    }

    /// Stops the cluster if this process started it (a clean, fast shutdown).
    pub fn stop(&self) {
        if !self.started_here {
            return;
        }
        let mut stop = self.command("pg_ctl");
        stop.arg("-D").arg(&self.data_dir).args(["-m", "fast", "-w", "stop"]);
        if let Err(e) = run(&mut stop, "pg_ctl stop") {
            eprintln!("{e}");
        }
    }

    /// Stops the cluster at once, whoever started it (a fast shutdown: every connection is
    /// cut, as when the database fails over), and starts it again after `down_for`. For fault
    /// tests; a restarted cluster is this process's to stop.
    pub fn restart(&mut self, down_for: Duration) -> Result<(), String> {
        let mut stop = self.command("pg_ctl");
        stop.arg("-D").arg(&self.data_dir).args(["-m", "fast", "-w", "stop"]);
        run(&mut stop, "pg_ctl stop")?;
        std::thread::sleep(down_for);
        self.launch()?;
        self.started_here = true;
        Ok(())
    }

    /// Starts the server on the data folder and waits until it takes connections.
    fn launch(&self) -> Result<(), String> {
        let mut start = self.command("pg_ctl");
        start.arg("-D").arg(&self.data_dir).arg("-l").arg(&self.log).args([
            "-w",
            "-t",
            "60",
            "-o",
            &self.options,
            "start",
        ]);
        run(&mut start, "pg_ctl start").map_err(|e| {
            let tail = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(10).collect();
            format!(
                "{e}\nlast lines of {}:\n{}",
                self.log.display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            )
        })
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin_dir.join(program);
        match &self.run_as {
            Some(user) => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", user, "--"]).arg(path);
                cmd
            }
            None => Command::new(path),
        }
    }
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let output = cmd.output().map_err(|e| format!("{what} could not be run: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Unix socket paths are limited to about 100 bytes; a deep checkout gets a socket folder
/// under /tmp named after it instead.
fn short_socket_dir(root: &Path) -> PathBuf {
    let preferred = root.join("socket");
    if preferred.as_os_str().len() <= 80 {
        return preferred;
    }
    let hash =
        root.to_string_lossy().bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3));
    PathBuf::from(format!("/tmp/p2p-pg-{hash:016x}"))
}

/// Where initdb, pg_ctl and postgres live: PG_BIN_DIR, else `pg_config --bindir`, else the
/// newest /usr/lib/postgresql/N/bin.
pub fn find_bin_dir() -> Result<PathBuf, String> {
    let has_tools = |dir: &Path| dir.join("initdb").exists() && dir.join("pg_ctl").exists();
    if let Ok(dir) = std::env::var("PG_BIN_DIR") {
        let dir = PathBuf::from(dir);
        return if has_tools(&dir) {
            Ok(dir)
        } else {
            Err(format!("PG_BIN_DIR={} has no initdb/pg_ctl", dir.display()))
        };
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_tools(&dir) {
            return Ok(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, dir)| has_tools(dir))
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir).ok_or_else(|| {
        "No PostgreSQL server binaries (initdb, pg_ctl) were found. Install them (on Debian: \
         `apt-get install postgresql`), set PG_BIN_DIR to their folder, or set DATABASE_URL to \
         use an existing server."
            .to_string()
    })
}
