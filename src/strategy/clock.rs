//! The clock that times strategy callbacks: the CPU's time-stamp counter on
//! x86_64 (one instruction, about 9 ns against 22 ns for the system's
//! monotonic clock on a typical virtual machine), converted to ns at the
//! rate measured once per process against the monotonic clock; the
//! monotonic clock itself on other CPUs.
//!
//! The counter runs at a constant rate on every x86_64 CPU of the last
//! fifteen years (`constant_tsc`, `nonstop_tsc`). Its readings only time
//! callbacks; nothing the simulator decides depends on them.

// `_rdtsc` has no safe wrapper.
#![allow(unsafe_code)]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A reading of the tick counter.
#[inline(always)]
pub(crate) fn ticks() -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: RDTSC only reads the time-stamp counter; every x86_64
        // CPU has the instruction and user code may run it.
        unsafe { core::arch::x86_64::_rdtsc() }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        monotonic_ns()
    }
}

/// ns since the first call, from the monotonic clock.
#[cfg(not(target_arch = "x86_64"))]
fn monotonic_ns() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    let base = BASE.get_or_init(Instant::now);
    u64::try_from(base.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// ns per tick of [`ticks`]: measured once, over 2 ms against the monotonic
/// clock (both run in wall time, so the measure holds even if the thread is
/// descheduled meanwhile).
pub(crate) fn ns_per_tick() -> f64 {
    static RATE: OnceLock<f64> = OnceLock::new();
    *RATE.get_or_init(|| {
        if cfg!(not(target_arch = "x86_64")) {
            return 1.0;
        }
        let (start, start_ticks) = (Instant::now(), ticks());
        while start.elapsed() < Duration::from_millis(2) {
            std::hint::spin_loop();
        }
        let (ns, counted) = (start.elapsed(), ticks().wrapping_sub(start_ticks));
        if counted == 0 {
            return 1.0;
        }
        ns.as_nanos() as f64 / counted as f64
    })
}

/// `ticks` in ns, rounded.
pub(crate) fn ns_from_ticks(ticks: u64) -> u64 {
    // A float product: exact to far below a ns for any callback duration.
    (ticks as f64 * ns_per_tick()).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_measure_wall_time() {
        // Calibrated before the span measured (it spins for 2 ms).
        let _ = ns_per_tick();
        let (start, start_ticks) = (Instant::now(), ticks());
        std::thread::sleep(Duration::from_millis(20));
        let counted = ticks().wrapping_sub(start_ticks);
        let elapsed_ns = start.elapsed().as_nanos() as u64;
        let counted_ns = ns_from_ticks(counted);
        // The two clocks agree to within 1 % (and the tick reading came
        // first and last, so it may only be shorter by the reads' cost).
        assert!(
            counted_ns.abs_diff(elapsed_ns) <= elapsed_ns / 100,
            "{counted_ns} ns counted, {elapsed_ns} ns elapsed"
        );
        assert!(ticks() >= start_ticks);
    }
}
