//! Processes: started detached in their own process group, told apart from
//! a later process that reuses their pid by their start time, and stopped
//! by process group (SIGTERM, a bounded wait, SIGKILL only after it).
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A process's start time in clock ticks since boot (`/proc/PID/stat`,
/// field 22); `None` when there is no such process.
pub(crate) fn start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count after its `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the process `pid` is alive and is the one that started at
/// `ticks` (not a zombie).
pub(crate) fn is_same(pid: u32, ticks: Option<u64>) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let zombie = stat
        .rfind(')')
        .and_then(|at| stat[at + 1..].split_whitespace().next())
        .is_some_and(|state| state == "Z" || state == "X");
    !zombie && ticks.is_some_and(|ticks| start_ticks(pid) == Some(ticks))
}

fn signal(name: &str, group: u32) -> bool {
    Command::new("kill")
        .args([&format!("-{name}"), "--", &format!("-{group}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// How a stop went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stopped {
    /// It exited after SIGTERM within the wait.
    Cleanly,
    /// It had to be killed (SIGKILL) after the wait.
    Killed,
    /// It was already gone.
    Gone,
}

/// SIGTERM to the process group `pid`, up to `grace` for it to exit, then
/// SIGKILL.
pub(crate) fn stop_group(pid: u32, ticks: Option<u64>, grace: Duration) -> Stopped {
    if !is_same(pid, ticks) {
        return Stopped::Gone;
    }
    signal("TERM", pid);
    let started = Instant::now();
    while started.elapsed() < grace {
        if !is_same(pid, ticks) {
            return Stopped::Cleanly;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal("KILL", pid);
    let started = Instant::now();
    while is_same(pid, ticks) && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    Stopped::Killed
}

/// The last `lines` lines of a file.
pub(crate) fn tail(path: &std::path::Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
