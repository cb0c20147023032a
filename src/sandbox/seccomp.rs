//! The syscall filter: what no strategy needs and an escape would.
//!
//! Refused with `EPERM` (so Python raises `PermissionError`): running a
//! program (`execve`, `execveat`), new processes (`fork`, `vfork`, a
//! `clone` without `CLONE_THREAD`; threads stay allowed), `ptrace` and
//! reading or writing another process's memory, `io_uring` (which can open
//! sockets past this filter), mounts and namespaces, kernel modules,
//! `kexec`, `bpf`, `perf_event_open`, the kernel keyring, and — unless the
//! network is allowed — `socket` of any family (a pair of connected local
//! sockets, `socketpair`, still works: asyncio needs one; a Unix socket
//! could reach a daemon by path). `clone3` fails with `ENOSYS`, since its
//! flags are out of a filter's sight: libc then falls back to `clone`.
//!
//! The filter holds for every thread of the process, now and later.

use std::collections::BTreeMap;

use seccompiler::{
    apply_filter_all_threads, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp,
    SeccompCondition, SeccompFilter, SeccompRule, TargetArch,
};

use super::Protection;

const NAME: &str = "syscall filter";

/// Refused whatever their arguments (syscall numbers: `c_long`, 64 bits
/// on the architectures seccompiler knows).
const REFUSED: &[i64] = &[
    libc::SYS_execve,
    libc::SYS_execveat,
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_setns,
    libc::SYS_unshare,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_kexec_load,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_reboot,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_fork,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_vfork,
];

/// Installs the filter on every thread.
pub(super) fn install(allow_network: bool) -> Protection {
    match build(allow_network).and_then(|(refuse, no_clone3)| {
        // Filters run newest first; both answer for their own calls.
        apply_filter_all_threads(&refuse)?;
        apply_filter_all_threads(&no_clone3)
    }) {
        Ok(()) => Protection::on(
            NAME,
            if allow_network {
                "seccomp: no new processes, exec, ptrace, io_uring, mounts or modules"
            } else {
                "seccomp: no new processes, exec, ptrace, sockets, io_uring, mounts or modules"
            },
        ),
        Err(err) => Protection::off(NAME, format!("seccomp: {err}")),
    }
}

/// The refusing filter and the `clone3` filter.
fn build(allow_network: bool) -> Result<(BpfProgram, BpfProgram), seccompiler::Error> {
    let arch = TargetArch::try_from(std::env::consts::ARCH)?;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        REFUSED.iter().map(|&call| (call, Vec::new())).collect();
    // clone(flags, ...): refused when `flags & CLONE_THREAD == 0`.
    let thread = libc::CLONE_THREAD as u64;
    rules.insert(
        libc::SYS_clone,
        vec![SeccompRule::new(vec![SeccompCondition::new(
            0,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(thread),
            0,
        )?])?],
    );
    if !allow_network {
        rules.insert(libc::SYS_socket, Vec::new());
    }
    let refuse = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )?;
    let no_clone3 = SeccompFilter::new(
        BTreeMap::from([(libc::SYS_clone3, Vec::new())]),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch,
    )?;
    Ok((refuse.try_into()?, no_clone3.try_into()?))
}
