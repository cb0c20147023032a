//! The README's "The run configuration" block is the defaults, written out.

use std::path::Path;

use ticklab::sim::RunConfig;

/// The first ```toml block after the heading `### The run configuration`.
fn readme_config_block() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let section = readme
        .split_once("### The run configuration")
        .expect("a section 'The run configuration'")
        .1;
    let block = section
        .split_once("```toml\n")
        .expect("a ```toml block in the section")
        .1;
    block
        .split_once("```")
        .expect("the block ends")
        .0
        .to_owned()
}

#[test]
fn the_readme_config_block_is_the_default() {
    let text = readme_config_block();
    let config = RunConfig::from_toml_str(&text, Path::new("README.md")).expect("it parses");
    assert_eq!(config, RunConfig::default());
    // It writes out every section, so a reader sees where each setting goes.
    for section in [
        "[queue]",
        "[latency]",
        "[fees]",
        "[impact]",
        "[risk]",
        "[params]",
    ] {
        assert!(
            text.contains(section),
            "{section} missing from the README block"
        );
    }
}
