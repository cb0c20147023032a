//! Landlock: what the process may open, and that it makes no TCP
//! connection and sends no signal outside its sandbox.
//!
//! Read-only (read files, list folders; never execute): the paths of the
//! [`Plan`](super::Plan) and what any process needs ([`SYSTEM_READ`]).
//! Read-write (everything but execute): the output folder and the other
//! write folders. Every other path is refused, whoever owns it. With
//! `--allow-network` TCP stays open, and so do the files name lookups
//! read ([`NETWORK_READ`]).
//!
//! Best effort: each kernel enforces what its landlock ABI has (files
//! from ABI 1, truncation from 3, TCP from 4, signal and abstract-socket
//! scopes from 6, Unix socket paths from 10); what is missing is reported.

use std::path::{Path, PathBuf};

use landlock::{
    path_beneath_rules, Access, AccessFs, AccessNet, BitFlags, LandlockStatus, Ruleset,
    RulesetAttr, RulesetCreatedAttr, RulesetError, RulesetStatus, Scope, ABI,
};

use super::Protection;

/// The newest landlock ABI these rules use; older kernels get a subset.
const TARGET_ABI: ABI = ABI::V10;

/// What any process here needs to read: system libraries, the dynamic
/// loader's cache, its own `/proc` entries, `/dev/null` and randomness.
const SYSTEM_READ: &[&str] = &[
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/dev/null",
    "/dev/zero",
    "/dev/urandom",
    "/dev/random",
    "/proc/self",
    "/sys/devices/system/cpu",
    "/sys/fs/cgroup",
];

/// What name lookups and TLS read, with `--allow-network` only.
const NETWORK_READ: &[&str] = &[
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/host.conf",
    "/etc/nsswitch.conf",
    "/etc/gai.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/ssl",
    "/etc/ca-certificates",
];

const FILES: &str = "file access";
const TCP: &str = "TCP rules";
const SCOPES: &str = "signal and socket scopes";

/// Restricts the process to `read` and `write` and, unless
/// `allow_network`, to no TCP.
pub(super) fn restrict(
    read: &[PathBuf],
    write: &[PathBuf],
    allow_network: bool,
) -> Vec<Protection> {
    match restrict_self(read, write, allow_network) {
        Ok(abi) => report(abi, read, write, allow_network),
        Err(err) => vec![Protection::off(FILES, format!("landlock: {err}"))],
    }
}

/// Applies the rules; the ABI in force, 0 without landlock.
fn restrict_self(
    read: &[PathBuf],
    write: &[PathBuf],
    allow_network: bool,
) -> Result<i32, RulesetError> {
    let read_access = AccessFs::ReadFile | AccessFs::ReadDir;
    let write_access = AccessFs::from_all(TARGET_ABI) & !AccessFs::Execute;
    let mut ruleset = Ruleset::default().handle_access(AccessFs::from_all(TARGET_ABI))?;
    if !allow_network {
        ruleset = ruleset.handle_access(AccessNet::from_all(TARGET_ABI))?;
    }
    let scopes: BitFlags<Scope> = Scope::Signal | Scope::AbstractUnixSocket;
    let mut system: Vec<&Path> = SYSTEM_READ.iter().map(Path::new).collect();
    if allow_network {
        system.extend(NETWORK_READ.iter().map(Path::new));
    }
    let status = ruleset
        .scope(scopes)?
        .create()?
        .add_rules(path_beneath_rules(system, read_access))?
        .add_rules(path_beneath_rules(read, read_access))?
        .add_rules(path_beneath_rules(write, write_access))?
        .restrict_self()?;
    if status.ruleset == RulesetStatus::NotEnforced {
        return Ok(0);
    }
    Ok(match status.landlock {
        LandlockStatus::Available { effective_abi, .. } => effective_abi as i32,
        _ => 0,
    })
}

/// The protections in force under landlock `abi`.
fn report(abi: i32, read: &[PathBuf], write: &[PathBuf], allow_network: bool) -> Vec<Protection> {
    if abi == 0 {
        let why = "the kernel has no landlock (Linux 5.13 or later, enabled at boot)";
        return vec![
            Protection::off(FILES, why),
            Protection::off(TCP, why),
            Protection::off(SCOPES, why),
        ];
    }
    let list = |paths: &[PathBuf]| {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut files = format!(
        "landlock ABI {abi}: writes only in {}; reads only there, in {} and in the system's libraries",
        list(write),
        list(read)
    );
    if abi < 3 {
        files.push_str("; truncating files is not controlled before ABI 3");
    }
    let tcp = if allow_network {
        Protection::waived(TCP, "--allow-network")
    } else if abi >= 4 {
        Protection::on(TCP, format!("landlock ABI {abi}: no TCP bind or connect"))
    } else {
        Protection::off(
            TCP,
            format!("landlock ABI {abi} has no network rules (ABI 4)"),
        )
    };
    let scopes = if abi >= 6 {
        Protection::on(
            SCOPES,
            format!("landlock ABI {abi}: no signals or abstract Unix sockets to other processes"),
        )
    } else {
        Protection::off(SCOPES, format!("landlock ABI {abi} has no scopes (ABI 6)"))
    };
    vec![Protection::on(FILES, files), tcp, scopes]
}
