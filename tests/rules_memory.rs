//! Loading a large rule file stays within 20 times the file's size: the
//! heap's peak while a generated 10 MB `.rules.toml` is read and compiled,
//! measured by a counting allocator (this test binary's own, so that no
//! other test's allocations mix in).

// A global allocator is unsafe to implement; this one only forwards.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use ticklab::strategy::rules::RuleSet;

/// The system allocator, keeping the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = IN_USE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; only counters
// are updated around it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A rule file of about `bytes` bytes: the shipped examples' kind of rule
/// (a condition tree of comparisons, orders with a stop and a target),
/// repeated under distinct names.
fn big_rule_file(bytes: usize) -> String {
    let mut text = String::from(
        "description = \"generated\"\n\n[settings]\nmax_position_lots = 20\n\n[indicators]\n\
         book = { imbalance = { levels = 3 } }\nflow = { signed_volume = { window = \"5s\" } }\n\
         fast = { ema = { of = \"mid\", half_life = \"2s\" } }\n\
         slow = { sma = { of = \"mid\", window = \"30s\" } }\n",
    );
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&format!(
            "\n[[rules]]\nname = \"rule {i}\"\nwhen = {{ all = [\n    \
             {{ lhs = \"book\", op = \">\", rhs = 0.{i} }},\n    \
             {{ any = [ {{ lhs = \"flow\", op = \">\", rhs = {i} }}, {{ lhs = \"fast\", op = \"crosses_above\", rhs = \"slow\" }} ] }},\n    \
             {{ not = {{ lhs = \"position\", op = \">\", rhs = 0 }} }},\n] }}\n\
             then = [\n    {{ buy = {{ lots = 1, price = \"bid\", tif = \"post_only\" }} }},\n    \
             {{ take_profit = {{ ticks = 8 }} }},\n    {{ stop_loss = {{ ticks = 12 }} }},\n]\n\
             cooldown = \"10s\"\n"
        ));
        i += 1;
    }
    text
}

/// Peak and kept heap bytes while `path` is loaded, and the rules it has.
fn load_measured(path: &std::path::Path) -> (usize, usize, usize) {
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let rules = RuleSet::from_path(path).expect("the generated file is valid");
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let kept = IN_USE.load(Ordering::Relaxed) - before;
    (peak, kept, rules.file().rules.len())
}

// One test, so that no other test allocates while it measures.
#[test]
fn a_10_mb_rule_file_loads_within_20_times_its_size() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let toml_path = dir.path().join("big.rules.toml");
    let text = big_rule_file(10_000_000);
    std::fs::write(&toml_path, &text).expect("the rule file is written");
    // The same rules as JSON.
    let json_path = dir.path().join("big.rules.json");
    let json = {
        let rules = RuleSet::from_toml_str(&text, "big.rules.toml").expect("valid rules");
        serde_json::to_string_pretty(rules.file()).expect("rules serialise")
    };
    std::fs::write(&json_path, &json).expect("the rule file is written");
    let sizes = [text.len(), json.len()];
    drop((text, json));

    for (path, file_bytes) in [toml_path, json_path].iter().zip(sizes) {
        let (peak, kept, rules) = load_measured(path);
        assert!(rules > 20_000, "{rules}");
        println!(
            "{}: {file_bytes} bytes, {rules} rules: peak {peak} bytes ({:.1}x), kept {kept} bytes ({:.1}x)",
            path.display(),
            peak as f64 / file_bytes as f64,
            kept as f64 / file_bytes as f64
        );
        assert!(
            peak <= 20 * file_bytes,
            "loading {} ({file_bytes} bytes) peaked at {peak} bytes ({:.1}x its size)",
            path.display(),
            peak as f64 / file_bytes as f64
        );
    }
}
