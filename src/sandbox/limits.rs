//! Resource limits: address space, CPU time, open files, no core dumps.
//!
//! Each is set as both the soft and the hard limit, so the strategy cannot
//! raise it again. Past the address-space limit an allocation fails (Python
//! raises `MemoryError`); past the CPU limit the kernel sends `SIGXCPU`,
//! then `SIGKILL` a few seconds later.

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

use super::Protection;

/// Upper bound of the default memory limit, bytes.
const DEFAULT_MEMORY_CAP_BYTES: u64 = 4 << 30;
/// CPU seconds between `SIGXCPU` and `SIGKILL`.
const CPU_GRACE_SECS: u64 = 5;

/// The limits of a sandboxed process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Address space, bytes; `None` for no limit.
    pub memory_bytes: Option<u64>,
    /// CPU time, seconds; `None` for no limit.
    pub cpu_secs: Option<u64>,
    /// Open file descriptors.
    pub open_files: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: Some(default_memory_limit_bytes()),
            cpu_secs: Some(4 * 3600),
            open_files: 1024,
        }
    }
}

/// 4 GiB or half the machine's memory, whichever is less.
pub fn default_memory_limit_bytes() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        });
    total.map_or(DEFAULT_MEMORY_CAP_BYTES, |bytes| {
        (bytes / 2).min(DEFAULT_MEMORY_CAP_BYTES)
    })
}

/// Reads a size such as `4G`, `512M`, `1.5GiB` or `1073741824` (bytes;
/// the suffixes are powers of 1024).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    let number = lower.trim_end_matches("ib").trim_end_matches('b');
    let (digits, scale) = match number.chars().last() {
        Some('k') => (&number[..number.len() - 1], 1_u64 << 10),
        Some('m') => (&number[..number.len() - 1], 1 << 20),
        Some('g') => (&number[..number.len() - 1], 1 << 30),
        Some('t') => (&number[..number.len() - 1], 1 << 40),
        _ => (number, 1),
    };
    let value: f64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("{trimmed:?} is not a size (examples: 4G, 512M, 1073741824)"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("{trimmed:?} is not a size"));
    }
    Ok((value * scale as f64) as u64)
}

/// Sets the limits and says which are in force.
pub(super) fn apply(limits: &Limits) -> Vec<Protection> {
    let mut out = Vec::new();
    out.push(match limits.memory_bytes {
        Some(bytes) => set(Resource::As, bytes, bytes, "memory limit", || {
            format!("address space {}", format_bytes(bytes))
        }),
        None => Protection::waived("memory limit", "--memory-limit 0"),
    });
    out.push(match limits.cpu_secs {
        Some(secs) => set(
            Resource::Cpu,
            secs,
            secs + CPU_GRACE_SECS,
            "CPU limit",
            || format!("{secs} s of CPU time"),
        ),
        None => Protection::waived("CPU limit", "--cpu-limit-secs 0"),
    });
    out.push(set(
        Resource::Nofile,
        limits.open_files,
        limits.open_files,
        "open files limit",
        || format!("{} open files", limits.open_files),
    ));
    out.push(set(Resource::Core, 0, 0, "no core dumps", || {
        "core file size 0".to_owned()
    }));
    out
}

/// Sets `resource` to `soft`/`hard`, never above the hard limit in force.
fn set(
    resource: Resource,
    soft: u64,
    hard: u64,
    name: &str,
    what: impl FnOnce() -> String,
) -> Protection {
    let current = getrlimit(resource);
    let ceiling = current.maximum.unwrap_or(u64::MAX);
    let new = Rlimit {
        current: Some(soft.min(ceiling)),
        maximum: Some(hard.min(ceiling)),
    };
    match setrlimit(resource, new) {
        Ok(()) => Protection::on(name, what()),
        Err(err) => Protection::off(name, format!("setrlimit: {err}")),
    }
}

/// `4.0 GiB`, `512 MiB`.
pub(crate) fn format_bytes(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.1} GiB", bytes as f64 / (1_u64 << 30) as f64)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_binary_suffixes() {
        assert_eq!(parse_bytes("4G"), Ok(4 << 30));
        assert_eq!(parse_bytes("512M"), Ok(512 << 20));
        assert_eq!(parse_bytes("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_bytes("64k"), Ok(64 << 10));
        assert_eq!(parse_bytes("1000"), Ok(1000));
        assert_eq!(parse_bytes("0"), Ok(0));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("-1G").is_err());
    }

    #[test]
    fn the_default_memory_limit_is_at_most_4_gib() {
        let bytes = default_memory_limit_bytes();
        assert!(bytes > 0 && bytes <= 4 << 30, "{bytes}");
    }

    #[test]
    fn sizes_print_in_binary_units() {
        assert_eq!(format_bytes(4 << 30), "4.0 GiB");
        assert_eq!(format_bytes(512 << 20), "512 MiB");
    }
}
