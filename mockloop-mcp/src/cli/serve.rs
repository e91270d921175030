//! `mockloop-mcp serve`: the native engine on one or more mocks.
use std::io::Read;
use std::process::ExitCode;

use clap::Args;
use mockloop_runtime::{ServeOptions, error_chain, load_sources, start_native};

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Specs (files or URLs, any format `generate` reads) or generated mock
    /// folders; each is served on its own port.
    #[arg(required = true, value_name = "SPEC|MOCK_DIR")]
    pub sources: Vec<String>,
    /// The address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// The first mock's port; the others take the next ones (0: any free
    /// ports). Default: MOCKLOOP_PORT, else the first mock's port (8000).
    #[arg(long)]
    pub port: Option<u16>,
    /// A separate port for the admin API (the next mocks take the next ones).
    #[arg(long)]
    pub admin_port: Option<u16>,
    /// The features to leave out.
    #[command(flatten)]
    pub features: super::FeatureFlags,
    /// How HAR recordings are read.
    #[command(flatten)]
    pub import: super::ImportFlags,
    /// Stop when standard input closes (for process managers and tests
    /// that want the server to end with them).
    #[arg(long, hide = true)]
    pub stop_on_stdin_close: bool,
}

impl ServeArgs {
    fn options(&self) -> ServeOptions {
        let disabled = self
            .features
            .switches()
            .into_iter()
            .filter(|(_, off)| *off)
            .map(|(name, _)| name.to_owned())
            .collect();
        ServeOptions {
            host: self.host.clone(),
            port: self.port,
            admin_port: self.admin_port,
            disabled,
            import: self.import.options(),
        }
    }
}

/// Serves until SIGTERM, Ctrl-C (or, if asked, the end of stdin).
pub fn run(args: &ServeArgs) -> ExitCode {
    let options = args.options();
    let started = std::time::Instant::now();
    let files = match load_sources(&args.sources, &options) {
        Ok(files) => files,
        Err(err) => {
            eprintln!("error: {}", error_chain(&err));
            return ExitCode::FAILURE;
        }
    };
    let runtime = match super::command_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async {
        let server = match start_native(files, &args.sources, &options).await {
            Ok(server) => server,
            Err(err) => {
                eprintln!("error: {}", error_chain(&err));
                return ExitCode::FAILURE;
            }
        };
        eprintln!("mockloop: ready in {:.0?}", started.elapsed());
        for mock in server.mocks() {
            let admin = mock.admin_url.as_deref().unwrap_or(&mock.url);
            println!(
                "Serving {} ({} operations) at {} (admin {admin}/admin, log {})",
                mock.title,
                mock.operations,
                mock.url,
                mock.database.display()
            );
        }
        stopped(args.stop_on_stdin_close).await;
        eprintln!("mockloop: stopping; writing out the request log");
        server.stop().await;
        ExitCode::SUCCESS
    })
}

/// Resolves on SIGTERM, Ctrl-C or (if asked) the end of stdin.
async fn stopped(watch_stdin: bool) {
    let stdin_closed = async {
        if !watch_stdin {
            return std::future::pending::<()>().await;
        }
        let (done, wait) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
            let _ = done.send(());
        });
        let _ = wait.await;
    };
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::terminate(),
        ) {
            Ok(signal) => signal,
            Err(_) => {
                return tokio::select! { _ = tokio::signal::ctrl_c() => {}, () = stdin_closed => {} };
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
            () = stdin_closed => {}
        }
    }
    #[cfg(not(unix))]
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = stdin_closed => {}
    }
}
