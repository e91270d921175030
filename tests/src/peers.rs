//! Servers started for the side-by-side benchmarks (`examples/bench_*.rs`):
//! through the test harness, or as peers in their own process groups, and
//! stopped by group (SIGTERM, SIGKILL after 10 s).
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::MockServer;

/// A server started for one measurement.
pub enum Running {
    /// Started through the test harness (stopped with SIGTERM on drop).
    Harness(MockServer),
    /// A peer in its own process group.
    Group(Child),
}

impl Running {
    /// Stops the server and waits for it.
    pub fn stop(self) {
        match self {
            Running::Harness(server) => {
                server.stop(Duration::from_secs(10));
            }
            Running::Group(mut child) => {
                let group = format!("-{}", child.id());
                let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
                let started = Instant::now();
                while started.elapsed() < Duration::from_secs(10) {
                    if let Ok(Some(_)) = child.try_wait() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                eprintln!("(process group {group} ignored SIGTERM for 10 s: SIGKILL)");
                let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
                let _ = child.wait();
            }
        }
    }
}

/// A free loopback port (another process may take it before it is used).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18_000)
}

/// Starts a peer in its own process group, in the system's temp folder
/// (MockServer writes its CA certificate into its working folder).
pub fn group(command: &mut Command) -> anyhow::Result<Running> {
    command
        .current_dir(std::env::temp_dir())
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Ok(Running::Group(command.spawn()?))
}

/// The port a server listens on: the harness's, or the one asked for.
pub fn port_of(running: &Running, asked: u16) -> u16 {
    match running {
        Running::Harness(server) => server.port(),
        Running::Group(_) => asked,
    }
}

/// Where `../shared/bench/peers-setup.sh` installed the peers:
/// `$PEERS_DIR`, default `/tmp/peers`.
pub fn peers_dir() -> PathBuf {
    PathBuf::from(std::env::var("PEERS_DIR").unwrap_or_else(|_| "/tmp/peers".to_owned()))
}
