//! `upkit serve`.

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use upkit::serve::{Config, DEFAULT_ROUTE, Route, Server};

/// Options of `upkit serve`.
///
/// Answers update requests on the route (204: up to date; 200: the update as dynamic JSON; 404:
/// unknown route or target; 400: a malformed version), decided exactly as a client reading the
/// manifests would decide, and serves the artifacts (with `Range`). DIR holds the manifests
/// (`*.json`, at its top or one directory down) and the artifacts; they are read on each request,
/// so publishing is copying files in. Prints `listening on http://ADDR` once ready; logs each
/// request to stderr (`RUST_LOG` filters).
#[derive(clap::Args)]
pub struct Args {
    /// The directory of releases.
    pub dir: PathBuf,
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// The update route, with Tauri's placeholders (path and query).
    #[arg(long, default_value = DEFAULT_ROUTE, value_name = "TEMPLATE")]
    pub route: String,
    /// The URL clients reach this server at, e.g. behind a TLS proxy or CDN; relative artifact
    /// URLs are resolved against it (default: http:// and the request's Host).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<url::Url>,
    /// Cache-Control max-age of update answers in seconds (0: no-cache).
    #[arg(long, default_value_t = 0, value_name = "SECS")]
    pub max_age: u32,
}

/// Runs `upkit serve`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let route = Route::parse(&args.route)?;
    let mut public_url = args.public_url;
    if let Some(url) = &mut public_url
        && !url.path().ends_with('/')
    {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    let config = Config {
        route,
        public_url,
        max_age: args.max_age,
        ..Config::new(args.dir.clone())
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let base = config
            .public_url
            .clone()
            .unwrap_or_else(|| url::Url::parse("http://localhost/").expect("a valid URL"));
        let found = upkit::serve::releases(&config.dir, &base)
            .with_context(|| format!("cannot read {}", config.dir.display()))?;
        for f in &found {
            match &f.manifest {
                Ok(m) => tracing::info!("release {} ({})", m.version, f.file),
                Err(e) => tracing::warn!("skipping {}: {e}", f.file),
            }
        }
        if !found.iter().any(|f| f.manifest.is_ok()) {
            tracing::warn!("no valid manifest in {} yet", config.dir.display());
        }
        let server = Server::bind(args.listen, config)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on http://{}", server.local_addr())?;
        stdout.flush()?;
        server.run(shutdown()).await?;
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what service managers send). On Unix the
/// signals are caught from this call on (inside a runtime), not from the first poll: a signal
/// that comes while other work runs first is not lost.
pub fn shutdown() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::interrupt()).and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
    };
    async move {
        #[cfg(unix)]
        if let Ok((mut int, mut term)) = signals {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            tracing::info!("shutting down");
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    }
}
