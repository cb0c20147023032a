//! Best-of-N timing: wall time and the CPU time of every thread of the
//! process (or of the finished child processes) over the same run.

use std::time::{Duration, Instant};

/// What one case measured: its best wall time and its best CPU time, each
/// the shortest over the runs (on a busy machine the two may come from
/// different runs).
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Shortest wall time of a run.
    pub wall: Duration,
    /// Shortest CPU time of a run, all threads (or children) added up.
    pub cpu: Duration,
    /// Events replayed per run.
    pub events: u64,
}

impl Timing {
    /// Events per second of wall time, millions.
    pub fn wall_rate(&self) -> f64 {
        self.events as f64 / self.wall.as_secs_f64() / 1e6
    }

    /// Events per second of CPU time, millions.
    pub fn cpu_rate(&self) -> f64 {
        self.events as f64 / self.cpu.as_secs_f64().max(1e-9) / 1e6
    }
}

/// Which clock counts the CPU time of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuClock {
    /// All threads of this process.
    Process,
    /// Child processes that have ended and been waited for.
    Children,
}

/// CPU time so far on `clock`.
fn cpu_now(clock: CpuClock) -> Duration {
    match clock {
        CpuClock::Process => {
            let mut ts = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: `ts` is a valid, writable timespec.
            let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
            if rc != 0 {
                return Duration::ZERO;
            }
            Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
        }
        CpuClock::Children => {
            // SAFETY: an all-zero rusage is a valid value to overwrite.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: `usage` is a valid, writable rusage.
            let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
            if rc != 0 {
                return Duration::ZERO;
            }
            let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
            tv(usage.ru_utime) + tv(usage.ru_stime)
        }
    }
}

/// Runs `run` `runs` times (at least once) and keeps the shortest wall
/// time and the shortest CPU time. `run` returns how many events it
/// replayed.
pub fn best_of(
    runs: usize,
    clock: CpuClock,
    mut run: impl FnMut() -> anyhow::Result<u64>,
) -> anyhow::Result<Timing> {
    let mut best: Option<Timing> = None;
    for _ in 0..runs.max(1) {
        let cpu_start = cpu_now(clock);
        let start = Instant::now();
        let events = run()?;
        let wall = start.elapsed();
        let cpu = cpu_now(clock).saturating_sub(cpu_start);
        best = Some(match best {
            None => Timing { wall, cpu, events },
            Some(b) => Timing {
                wall: b.wall.min(wall),
                cpu: b.cpu.min(cpu),
                events,
            },
        });
    }
    best.ok_or_else(|| anyhow::anyhow!("no run"))
}
