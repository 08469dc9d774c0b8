//! A throwaway PostgreSQL cluster from the installed server binaries
//! (`/usr/lib/postgresql/*/bin`), one per test or bench binary. As root, the
//! cluster runs as the `postgres` user (initdb refuses root). It listens only on
//! a Unix socket in its temp dir; a watchdog process stops it and removes the
//! dir when this process exits.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct PgCluster {
    pub dir: PathBuf,
    pub port: u16,
    bin: PathBuf,
    opts: String,
    root: bool,
}

fn find_bin_dir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).filter(|p| p.join("initdb").exists()).collect())
        .unwrap_or_default();
    dirs.sort_by_key(|p| p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0));
    dirs.pop()
        .expect("PostgreSQL server binaries should be installed under /usr/lib/postgresql/*/bin (apt-get install postgresql; scripts/setup-system.sh does it)")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn run(as_postgres: bool, program: &Path, args: &[&str]) {
    let mut cmd = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    let out = cmd.args(args).stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    assert!(
        out.status.success(),
        "{} {:?} failed:\n{}\n{}",
        program.display(),
        args,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl PgCluster {
    pub fn start() -> Self {
        let bin = find_bin_dir();
        let dir = tempfile::Builder::new().prefix("ho-pg-").tempdir().expect("a temp dir").keep();
        let root = is_root();
        if root {
            run(false, Path::new("chown"), &["-R", "postgres:postgres", dir.to_str().unwrap_or_default()]);
        }
        let data = dir.join("data");
        let data_s = data.to_string_lossy().to_string();
        run(root, &bin.join("initdb"), &["-D", &data_s, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
        let port = free_port();
        let opts = format!(
            "-k {} -p {port} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=128MB",
            dir.display()
        );
        let log = dir.join("server.log").to_string_lossy().to_string();
        run(root, &bin.join("pg_ctl"), &["-D", &data_s, "-l", &log, "-w", "-o", &opts, "start"]);
        // Stop the cluster and remove its files when this process is gone: the
        // watchdog outlives this process on purpose, so it is never waited for.
        let stop = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {runas}{pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            runas = if root { "runuser -u postgres -- " } else { "" },
            pg_ctl = bin.join("pg_ctl").display(),
            data = data.display(),
            dir = dir.display(),
        );
        #[allow(clippy::zombie_processes)]
        Command::new("sh").args(["-c", &stop]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("the cluster's watchdog");
        Self { dir, port, bin, opts, root }
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@localhost/{database}?host={}&port={}", self.dir.display(), self.port)
    }

    /// A fresh, empty database.
    pub async fn create_database(&self, name: &str) -> String {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.url("postgres")).await.expect("connect to the throwaway cluster");
        sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await.expect("create a test database");
        self.url(name)
    }
}

/// Faults for the fault tests; other test binaries leave them unused.
#[allow(dead_code)]
impl PgCluster {
    /// Stops the server at once, as a crash would (`-m immediate`: no checkpoint,
    /// every connection cut); the fault tests restart it with `start_again`.
    pub fn stop_immediately(&self) {
        let data = self.dir.join("data").to_string_lossy().to_string();
        run(self.root, &self.bin.join("pg_ctl"), &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }

    /// Starts the stopped server again on the same port (it recovers from its WAL).
    pub fn start_again(&self) {
        let data = self.dir.join("data").to_string_lossy().to_string();
        let log = self.dir.join("server.log").to_string_lossy().to_string();
        run(self.root, &self.bin.join("pg_ctl"), &["-D", &data, "-l", &log, "-w", "-o", &self.opts, "start"]);
    }

    /// `pg_ctl restart -m fast`: what an administrator's restart does (open sessions are ended).
    pub fn restart(&self) {
        let data = self.dir.join("data").to_string_lossy().to_string();
        let log = self.dir.join("server.log").to_string_lossy().to_string();
        run(self.root, &self.bin.join("pg_ctl"), &["-D", &data, "-l", &log, "-w", "-m", "fast", "-o", &self.opts, "restart"]);
    }
}
