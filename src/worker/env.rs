//! The environment a worker starts with: only what the strategy and the
//! interpreter need, so that tokens, keys and session addresses in the
//! user's environment (`AWS_*`, `GITHUB_TOKEN`, `SSH_AUTH_SOCK`,
//! `DBUS_SESSION_BUS_ADDRESS`, ...) never reach strategy code.

use std::ffi::{OsStr, OsString};

/// Variables passed as they are.
const KEPT: &[&str] = &[
    // Where programs and the user's files are; Python's `~` and `site`.
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "TMPDIR",
    "TZ",
    // Text encoding and language.
    "LANG",
    "LANGUAGE",
    // The Python environment the strategy runs in.
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    // Where ticklab keeps its caches.
    "XDG_CACHE_HOME",
];

/// Prefixes of variables passed as they are.
const KEPT_PREFIXES: &[&str] = &["LC_", "PYTHON", "TICKLAB_"];

/// True when a worker gets the variable `name`.
pub fn is_passed(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    KEPT.contains(&name) || KEPT_PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

/// The variables of `vars` a worker gets.
pub fn filtered(vars: impl Iterator<Item = (OsString, OsString)>) -> Vec<(OsString, OsString)> {
    vars.filter(|(name, _)| is_passed(name)).collect()
}

/// Gives `command` only the variables of this process a worker needs.
pub fn apply(command: &mut std::process::Command) {
    command.env_clear().envs(filtered(std::env::vars_os()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_and_the_interpreter_s_variables_go_in() {
        let vars = [
            ("PATH", "/usr/bin"),
            ("HOME", "/home/u"),
            ("LANG", "C.UTF-8"),
            ("LC_ALL", "C"),
            ("PYTHONPATH", "/lab"),
            ("VIRTUAL_ENV", "/venv"),
            ("TICKLAB_CACHE_DIR", "/c"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
            ("GITHUB_TOKEN", "x"),
            ("SSH_AUTH_SOCK", "/run/ssh"),
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/bus"),
            ("DISPLAY", ":0"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let names: Vec<String> = filtered(vars.into_iter())
            .into_iter()
            .map(|(k, _)| k.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "PATH",
                "HOME",
                "LANG",
                "LC_ALL",
                "PYTHONPATH",
                "VIRTUAL_ENV",
                "TICKLAB_CACHE_DIR"
            ]
        );
    }
}
