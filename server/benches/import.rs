//! `cargo bench -p server --bench import`: a generated 1,000,000-row CSV (name, cell, ZIP, three
//! custom fields; 2% duplicates, 1% invalid numbers, 1% opted out) imported through the same
//! code path the upload uses, against a plain COPY of the already-clean rows into the same table.
//! A 200,000-row import runs first so the peak memory of both sizes can be compared.

use app::domain::csv_import::{ColumnMapping, TextEncoding};
use app::domain::phone::Region;
use app::server::contact_import::{self, ImportJob, Progress};
use axum::body::Bytes;
use futures_util::stream;
use server::{embedded_postgres::EmbeddedPostgres, startup};
use sqlx::{Connection, PgConnection, PgPool};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tokio::io::AsyncReadExt;
use uuid::Uuid;

const AREA_CODES: [u16; 12] = [202, 212, 305, 312, 404, 415, 503, 602, 617, 713, 718, 206];
const ZIPS: [&str; 8] = ["20001", "10001", "33101", "60601", "30301", "94103", "97201", "85001"];

/// A deterministic pseudo-random sequence (no dependency needed for a generator this simple).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn phone_for(i: u64) -> String {
    // Distinct valid numbers: exchange 200-999 (never 555 or N11), line from the index.
    let area = AREA_CODES[(i % AREA_CODES.len() as u64) as usize];
    let mut exchange = 200 + (i / 10_000) % 800;
    if exchange == 555 || exchange % 100 == 11 {
        exchange += 1;
    }
    format!("({area}) {exchange}-{:04}", i % 10_000)
}

fn e164_for(i: u64) -> String {
    phone_for(i).chars().filter(char::is_ascii_digit).fold("+1".to_string(), |mut s, c| {
        s.push(c);
        s
    })
}

/// Writes the CSV and returns the numbers that must be opted out beforehand.
fn generate(path: &Path, rows: u64) -> Vec<String> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    writeln!(out, "first_name,last_name,cell,zip,ward,precinct,volunteer_notes").unwrap();
    let mut rng = Lcg(42);
    let mut opted_out = Vec::new();
    for i in 0..rows {
        let roll = rng.next() % 100;
        let cell = match roll {
            // 2%: repeat a number seen earlier.
            0 | 1 if i > 10 => phone_for(i - 1 - rng.next() % i.min(1000)),
            // 1%: not a phone number.
            2 => format!("555-{:03}", i % 1000),
            // 1%: a number on the opt-out list.
            3 => {
                opted_out.push(e164_for(i));
                phone_for(i)
            }
            _ => phone_for(i),
        };
        writeln!(
            out,
            "Person{i},Family{},{cell},{},{},{},\"called {}, left a message\"",
            i % 997,
            ZIPS[(i % 8) as usize],
            i % 50,
            i % 400,
            i % 7
        )
        .unwrap();
    }
    out.flush().unwrap();
    opted_out
}

/// Resets the kernel's peak-RSS mark so each import's own peak is measured.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_mb() -> f64 {
    proc_status_mb("VmHWM:")
}

fn proc_status_mb(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// The file as the upload handler sees a request body: a stream of 64 KB chunks.
async fn file_stream(path: PathBuf) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    let file = tokio::fs::File::open(path).await.unwrap();
    Box::pin(stream::unfold(file, |mut file| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    }))
}

async fn fresh_database(pg: &EmbeddedPostgres) -> PgPool {
    let name = format!("bench_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&pg.url("postgres")).await.unwrap();
    sqlx::query(&format!("create database \"{name}\"")).execute(&mut admin).await.unwrap();
    startup::connect(&pg.url(&name)).await.unwrap()
}

async fn run_import(pool: &PgPool, org_id: Uuid, path: &Path, rows: u64) -> (f64, Uuid, u64) {
    let mapping = {
        // Only the first 64 KB, as the browser's preview reads.
        let mut head = vec![0u8; 64 * 1024];
        let n = std::io::Read::read(&mut std::fs::File::open(path).unwrap(), &mut head).unwrap();
        head.truncate(n);
        let p = app::domain::csv_import::preview(&head, TextEncoding::Utf8, 5, false).unwrap();
        ColumnMapping::detect(&p.headers)
    };
    let import_id = Uuid::new_v4();
    sqlx::query("insert into contact_imports (id, organization_id, list_name, mapping, encoding, status) values ($1, $2, 'bench', $3, 'utf-8', 'running')")
        .bind(import_id)
        .bind(org_id)
        .bind(serde_json::to_value(&mapping).unwrap())
        .execute(pool)
        .await
        .unwrap();
    let job = ImportJob {
        id: import_id,
        org_id,
        list_name: format!("bench {rows}"),
        mapping,
        encoding: TextEncoding::Utf8,
        created_by: None,
        region: Region::US,
    };
    let mut progress = Progress::new(pool.clone(), import_id);
    let started = Instant::now();
    let (list_id, summary) =
        contact_import::run(pool, &job, file_stream(path.to_path_buf()).await, &mut progress).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(summary.rows, rows);
    eprintln!("summary for {rows} rows: {summary:?}");
    (seconds, list_id, summary.imported)
}

/// A plain COPY of the imported (clean) rows into the same table, for a fresh list.
async fn baseline_copy(pool: &PgPool, org_id: Uuid, list_id: Uuid, dir: &Path) -> f64 {
    let columns = "phone, first_name, last_name, zip, email, external_id, assigned_user_id, time_zones, custom";
    let clean = dir.join("clean.copy");
    {
        let mut conn = pool.acquire().await.unwrap();
        let mut out = conn
            .copy_out_raw(&format!("copy (select {columns} from contacts where list_id = '{list_id}') to stdout"))
            .await
            .unwrap();
        let mut file = std::io::BufWriter::new(std::fs::File::create(&clean).unwrap());
        use futures_util::StreamExt;
        while let Some(chunk) = out.next().await {
            file.write_all(&chunk.unwrap()).unwrap();
        }
        file.flush().unwrap();
    }
    let other = Uuid::new_v4();
    sqlx::query("insert into contact_lists (id, organization_id, name) values ($1, $2, 'baseline')")
        .bind(other)
        .bind(org_id)
        .execute(pool)
        .await
        .unwrap();
    let started = Instant::now();
    let mut conn = pool.acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    let mut copy = tx.copy_in_raw(&format!("copy contacts (list_id, {columns}) from stdin")).await.unwrap();
    // Prefix each line with the list id: COPY has no per-statement constant column.
    let prefix = format!("{other}\t");
    let mut buf = Vec::with_capacity(1 << 20);
    let mut reader = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&clean).unwrap());
    let mut line = Vec::new();
    use std::io::BufRead;
    while reader.read_until(b'\n', &mut line).unwrap() > 0 {
        buf.extend_from_slice(prefix.as_bytes());
        buf.extend_from_slice(&line);
        line.clear();
        if buf.len() > 512 * 1024 {
            copy.send(std::mem::take(&mut buf)).await.unwrap();
        }
    }
    if !buf.is_empty() {
        copy.send(buf).await.unwrap();
    }
    copy.finish().await.unwrap();
    tx.commit().await.unwrap();
    started.elapsed().as_secs_f64()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
        std::fs::create_dir_all(&target).unwrap();
        let pg = EmbeddedPostgres::start(&target.join("postgres"), false).expect("start PostgreSQL");
        let pool = fresh_database(&pg).await;
        let org_id = Uuid::new_v4();
        sqlx::query("insert into organizations (id, name, join_code) values ($1, 'Bench', '000000')")
            .bind(org_id)
            .execute(&pool)
            .await
            .unwrap();
        for rows in [200_000u64, 1_000_000] {
            let path = target.join(format!("contacts-{rows}.csv"));
            let opted_out = generate(&path, rows);
            sqlx::query("insert into opt_outs (organization_id, phone) select $1, unnest($2::text[]) on conflict do nothing")
                .bind(org_id)
                .bind(&opted_out)
                .execute(&pool)
                .await
                .unwrap();
            eprintln!("rss before {rows}-row import: {:.1} MB", proc_status_mb("VmRSS:"));
            reset_peak_rss();
            let (seconds, list_id, imported) = run_import(&pool, org_id, &path, rows).await;
            let rss = peak_rss_mb();
            let copy_seconds = baseline_copy(&pool, org_id, list_id, &target).await;
            println!(
                "BENCH import rows={rows} seconds={seconds:.2} rows_per_sec={:.0} copy_seconds={copy_seconds:.2} ratio={:.2} peak_rss_mb={rss:.1} imported={imported} file_mb={:.1}",
                rows as f64 / seconds,
                seconds / copy_seconds,
                std::fs::metadata(&path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0),
            );
            let _ = std::fs::remove_file(&path);
        }
        pool.close().await;
        pg.stop();
    });
}
