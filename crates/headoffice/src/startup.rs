//! Building and running the server: connect, migrate, bind, serve.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::config::Config;
use crate::faults::Faults;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub faults: Arc<Faults>,
    /// What the console decides time-dependent things by (sessions, throttle, "silent", the KPI sweep).
    pub clock: Clock,
}

pub struct Application {
    listener: TcpListener,
    port: u16,
    state: AppState,
}

/// Connects to PostgreSQL (lazily: the server starts, `/ready` says whether the database is there).
pub fn connect(config: &Config) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = config.database_url.expose().parse().context("database_url is not a valid PostgreSQL URL")?;
    Ok(PgPoolOptions::new().max_connections(config.max_connections).acquire_timeout(Duration::from_secs(10)).connect_lazy_with(options))
}

/// Connects and applies the pending migrations.
pub async fn connect_and_migrate(config: &Config) -> anyhow::Result<PgPool> {
    let pool = connect(config)?;
    crate::MIGRATOR.run(&pool).await.context("cannot apply the head-office migrations")?;
    Ok(pool)
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        if let Some(tls) = &config.tls {
            if tls.cert_path.is_some() || tls.key_path.is_some() {
                anyhow::bail!(
                    "TLS is not terminated by the head office itself: serve it behind a reverse proxy (Caddy, nginx) \
                     that holds the certificate, and remove [tls] from the configuration (see docs/sync.md)"
                );
            }
        }
        let pool = connect_and_migrate(&config).await?;
        let listener = TcpListener::bind(&config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
        let port = listener.local_addr()?.port();
        let state = AppState { pool, config: Arc::new(config), faults: Arc::new(Faults::default()), clock: Clock::default() };
        Ok(Self { listener, port, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }
    pub fn pool(&self) -> PgPool {
        self.state.pool.clone()
    }
    pub fn faults(&self) -> Arc<Faults> {
        self.state.faults.clone()
    }
    /// The server's clock: tests set it or move it forward (sessions, throttles, the KPI sweep).
    pub fn clock(&self) -> Clock {
        self.state.clock.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(std::future::pending()).await
    }

    /// Serves until `shutdown` resolves, then finishes the requests in flight.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        tracing::info!(port = self.port, "head office listening");
        if self.state.config.kpi_summaries && self.state.config.kpi_sweep_secs > 0 {
            tokio::spawn(sweep_kpis(self.state.pool.clone(), self.state.clock.clone(), Duration::from_secs(self.state.config.kpi_sweep_secs)));
        }
        if self.state.config.kpi_summaries && self.state.config.kpi_drain_ms > 0 {
            tokio::spawn(drain_kpis(self.state.pool.clone(), Duration::from_millis(self.state.config.kpi_drain_ms)));
        }
        let app = crate::routes::router(self.state);
        // The peer address is the client's for the console's login throttle (unless a proxy is trusted to say).
        axum::serve(self.listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown).await
    }
}

/// Every `every`, counts what pushes queued for the KPI sums
/// (`store::kpis::drain_all`), so the sums are current within about that long
/// even when nobody reads them. Runs as long as the server does.
async fn drain_kpis(pool: PgPool, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = crate::store::kpis::drain_all(&pool).await {
            tracing::warn!(error = %e, "KPI drain failed; the next one retries");
        }
    }
}

/// Every `every`, counts the deadlines that turned late since the last look
/// (`store::kpis::sweep_overdue`). Runs as long as the server does.
async fn sweep_kpis(pool: PgPool, clock: Clock, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match crate::store::kpis::sweep_overdue(&pool, clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(swept = n, "KPI sweep: late deadlines counted"),
            Err(e) => tracing::warn!(error = %e, "KPI sweep failed; the next one retries"),
        }
    }
}
