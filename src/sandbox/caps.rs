//! Capabilities: all dropped, so a worker started by root cannot load a
//! kernel module, mount, change the clock or override the sandbox's other
//! rules with privileges; it keeps its user id, which landlock and the
//! syscall filter make harmless.

use rustix::thread::{capabilities, set_capabilities, CapabilitySet, CapabilitySets};

use super::Protection;

const NAME: &str = "capabilities";

/// Drops every capability of the process's thread (threads started later
/// inherit none).
pub(super) fn drop_all() -> Protection {
    let held = capabilities(None).map(|sets| sets.effective | sets.permitted);
    let none = CapabilitySets {
        effective: CapabilitySet::empty(),
        permitted: CapabilitySet::empty(),
        inheritable: CapabilitySet::empty(),
    };
    // Ambient capabilities go with the permitted set.
    match (held, set_capabilities(None, none)) {
        (Ok(held), Ok(())) if held.is_empty() => Protection::on(NAME, "none held"),
        (Ok(_) | Err(_), Ok(())) => Protection::on(NAME, "all dropped"),
        (_, Err(err)) => Protection::off(NAME, format!("capset: {err}")),
    }
}
