//! A Python strategy imports the packages of the active virtual
//! environment (`VIRTUAL_ENV`), and an import that fails says which Python
//! and which folders it searched.

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

#[path = "common/acme_day.rs"]
mod acme_day;

/// A data folder with one small ACME day.
fn small_folder(root: &Path) -> std::path::PathBuf {
    let data = root.join("data");
    acme_day::write_acme_day(&data, 2_000, 7);
    data
}

const STRATEGY: &str = r#"
import ticklab
import ticklab_env_probe


class Probe(ticklab.Strategy):
    def on_start(self, ctx):
        ctx.log(f"probe {ticklab_env_probe.VALUE}")
"#;

fn run(data: &Path, strategy: &Path, out: &Path, venv: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ticklab"));
    command
        .arg("run")
        .arg("--data")
        .arg(data)
        .arg("--strategy")
        .arg(strategy)
        .arg("--out")
        .arg(out)
        .env_remove("VIRTUAL_ENV")
        .env_remove("PYTHONPATH");
    if let Some(venv) = venv {
        command.env("VIRTUAL_ENV", venv);
    }
    command.output().expect("ticklab runs")
}

#[test]
fn a_strategy_imports_the_active_virtual_environments_packages() {
    let root = TempDir::new().expect("test setup");
    let data = small_folder(root.path());
    let (major, minor) = pyo3::Python::attach(|py| {
        let version = py.version_info();
        (version.major, version.minor)
    });
    let venv = root.path().join("venv");
    let site = venv
        .join("lib")
        .join(format!("python{major}.{minor}"))
        .join("site-packages");
    std::fs::create_dir_all(&site).expect("test setup");
    std::fs::write(site.join("ticklab_env_probe.py"), "VALUE = 42\n").expect("test setup");
    let strategy = root.path().join("probe.py");
    std::fs::write(&strategy, STRATEGY).expect("test setup");

    let out = root.path().join("with");
    let done = run(&data, &strategy, &out, Some(&venv));
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    let log = std::fs::read_to_string(out.join("log.txt")).expect("log.txt");
    assert!(log.ends_with("[0] probe 42\n"), "{log}");

    // Without the environment, the error names the Python and the folders
    // it searched.
    let out = root.path().join("without");
    let done = run(&data, &strategy, &out, None);
    assert!(!done.status.success());
    let summary = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    let summary: serde_json::Value = serde_json::from_str(&summary).expect("JSON");
    let message = summary["error"]["message"].as_str().expect("a message");
    let expected = format!(
        "ModuleNotFoundError: No module named 'ticklab_env_probe'; Python {major}.{minor}."
    );
    assert!(message.contains(&expected), "{message}");
    assert!(
        message.contains(", no VIRTUAL_ENV) searched: "),
        "{message}"
    );
    assert!(!message.contains(&site.display().to_string()), "{message}");
}

/// `ticklab run --python-env DIR ...` with no `VIRTUAL_ENV`.
fn run_with_env(data: &Path, strategy: &Path, out: &Path, env: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .arg("run")
        .arg("--data")
        .arg(data)
        .arg("--strategy")
        .arg(strategy)
        .arg("--out")
        .arg(out)
        .arg("--python-env")
        .arg(env)
        .env_remove("VIRTUAL_ENV")
        .env_remove("PYTHONPATH")
        .env_remove("TICKLAB_PYTHON_ENV")
        .output()
        .expect("ticklab runs")
}

fn error_message(out: &Path) -> String {
    let summary = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    let summary: serde_json::Value = serde_json::from_str(&summary).expect("JSON");
    summary["error"]["message"]
        .as_str()
        .expect("a message")
        .to_owned()
}

#[test]
fn python_env_names_the_environment_strategies_import_from_and_the_error_names_it() {
    let root = TempDir::new().expect("test setup");
    let data = small_folder(root.path());
    let (major, minor) = pyo3::Python::attach(|py| {
        let version = py.version_info();
        (version.major, version.minor)
    });
    let env = root.path().join("env");
    let site = env
        .join("lib")
        .join(format!("python{major}.{minor}"))
        .join("site-packages");
    std::fs::create_dir_all(&site).expect("test setup");
    std::fs::write(site.join("ticklab_env_probe.py"), "VALUE = 7\n").expect("test setup");
    let strategy = root.path().join("probe.py");
    std::fs::write(&strategy, STRATEGY).expect("test setup");

    let out = root.path().join("with");
    let done = run_with_env(&data, &strategy, &out, &env);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let log = std::fs::read_to_string(out.join("log.txt")).expect("log.txt");
    assert!(log.ends_with("[0] probe 7\n"), "{log}");

    // An environment without the package: the error names it.
    let empty = root.path().join("empty");
    std::fs::create_dir_all(
        empty
            .join("lib")
            .join(format!("python{major}.{minor}"))
            .join("site-packages"),
    )
    .expect("test setup");
    let out = root.path().join("empty-out");
    let done = run_with_env(&data, &strategy, &out, &empty);
    assert!(!done.status.success());
    let message = error_message(&out);
    assert!(
        message.contains("ModuleNotFoundError: No module named 'ticklab_env_probe'"),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            ", --python-env / TICKLAB_PYTHON_ENV {}) searched: ",
            empty.display()
        )),
        "{message}"
    );

    // An environment of another Python: the error says what it lacks.
    let other = root.path().join("other");
    std::fs::create_dir_all(other.join("lib").join("python2.7").join("site-packages"))
        .expect("test setup");
    let out = root.path().join("other-out");
    let done = run_with_env(&data, &strategy, &out, &other);
    assert!(!done.status.success());
    let message = error_message(&out);
    assert!(
        message.contains(&format!(
            ", --python-env / TICKLAB_PYTHON_ENV {}, which has no lib/python{major}.{minor}/site-packages for this Python) searched: ",
            other.display()
        )),
        "{message}"
    );
}
