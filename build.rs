//! Lets binaries, tests and benches find the Python shared library that
//! pyo3 links against without `LD_LIBRARY_PATH`: asks the same interpreter
//! pyo3 uses (`PYO3_PYTHON`, else `python3`) for its library folder and
//! records that folder as a run-time search path (rpath).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    println!("cargo:rerun-if-changed=build.rs");
    let python = std::env::var("PYO3_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let output = Command::new(&python)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_config_var('LIBDIR') or '')",
        ])
        .output();
    let lib_dir = match output {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        Ok(out) => {
            println!(
                "cargo:warning={python} failed to report its library folder: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return;
        }
        Err(err) => {
            println!("cargo:warning=cannot run {python} to find its library folder: {err}");
            return;
        }
    };
    if lib_dir.is_empty() {
        return;
    }
    // Only targets that link (binaries, tests, benches, examples) get it.
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os != "windows" {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
    }
}
