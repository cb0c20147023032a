//! No network: the process moves into a new network namespace, where the
//! only interface (loopback) is down and nothing leads out.
//!
//! Creating a network namespace needs `CAP_SYS_ADMIN`; a process without it
//! first makes a user namespace of its own (where it holds that capability)
//! and maps its user and group ids to themselves, so files keep their
//! owners. Either way, nothing the process runs afterwards (ctypes, a C
//! extension) has a route anywhere.

// `unshare` is unsafe in rustix because of `CLONE_FILES`, which is not used.
#![allow(unsafe_code)]

use rustix::io::Errno;
use rustix::thread::UnshareFlags;

use super::Protection;

/// The protection's name.
pub(super) const NAME: &str = "network namespace";

/// Moves the process into an empty network namespace.
pub(super) fn enter_empty_network() -> Protection {
    let uid = rustix::process::getuid().as_raw();
    let gid = rustix::process::getgid().as_raw();
    match unshare(UnshareFlags::NEWNET) {
        Ok(()) => return on("a new network namespace"),
        Err(Errno::PERM) => {}
        Err(err) => return Protection::off(NAME, format!("unshare: {err}")),
    }
    if let Err(err) = unshare(UnshareFlags::NEWUSER | UnshareFlags::NEWNET) {
        return Protection::off(
            NAME,
            format!("cannot create a user and network namespace: {err}"),
        );
    }
    // The ids stay what they were; without a map they would show as
    // `nobody`. A failure here leaves the network closed all the same.
    let mapped = std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1\n"))
        .and_then(|()| std::fs::write("/proc/self/setgroups", "deny"))
        .and_then(|()| std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1\n")));
    match mapped {
        Ok(()) => on("a new user and network namespace"),
        Err(err) => on(&format!(
            "a new user and network namespace (ids not mapped: {err})"
        )),
    }
}

fn on(what: &str) -> Protection {
    Protection::on(
        NAME,
        format!("{what} with no interface up: no network at all"),
    )
}

fn unshare(flags: UnshareFlags) -> Result<(), Errno> {
    // SAFETY: `unshare_unsafe`'s contract concerns `CLONE_FILES` (threads
    // seeing descriptors from another table); only namespace flags are
    // passed here, and the caller runs it while the process has one thread.
    unsafe { rustix::thread::unshare_unsafe(flags) }
}
