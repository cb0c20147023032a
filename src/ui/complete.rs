//! Completion of a typed path, as a shell completes it: the entries of the
//! folder typed so far whose names start with what follows the last `/`,
//! folders first (with their `/`), filtered to what the field opens.

use std::path::{Path, PathBuf};

use super::data_browser::folder_from_text;

/// Suggestions shown at most.
pub const COMPLETIONS_SHOWN: usize = 12;

/// What a typed path can be completed to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completion {
    /// Whole texts to put in the field, folders (ending in `/`) first,
    /// then files, each sorted by name.
    pub candidates: Vec<String>,
    /// The longest text every candidate starts with (what Tab puts in the
    /// field).
    pub common: String,
}

/// Completes `text` to folders and to the files `keep` accepts; `~` is
/// `home`. Hidden entries show only when the typed name starts with `.`.
pub fn complete_path(text: &str, home: Option<&Path>, keep: impl Fn(&Path) -> bool) -> Completion {
    let (dir_text, prefix) = match text.rfind('/') {
        Some(i) => (&text[..=i], &text[i + 1..]),
        None => ("", text),
    };
    let dir: PathBuf = if dir_text.is_empty() {
        PathBuf::from(".")
    } else {
        folder_from_text(dir_text, home)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Completion::default();
    };
    let mut folders: Vec<String> = Vec::new();
    let mut files: Vec<String> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            folders.push(format!("{dir_text}{name}/"));
        } else if keep(&path) {
            files.push(format!("{dir_text}{name}"));
        }
    }
    folders.sort();
    files.sort();
    folders.append(&mut files);
    let common = common_prefix(&folders).unwrap_or_else(|| text.to_owned());
    Completion {
        candidates: folders,
        common,
    }
}

/// The longest text all of `texts` start with (on character boundaries).
fn common_prefix(texts: &[String]) -> Option<String> {
    let first = texts.first()?;
    let mut end = first.len();
    for text in &texts[1..] {
        end = first
            .char_indices()
            .zip(text.chars())
            .find(|((_, a), b)| a != b)
            .map_or(end.min(text.len()), |((i, _), _)| i.min(end));
    }
    Some(first[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::strategy::is_strategy_file;

    #[test]
    fn completes_folders_and_strategy_files_only() {
        let root = tempfile::tempdir().unwrap();
        let base = root.path();
        for file in ["queue_mm.py", "quiet.rules.toml", "quote.txt", ".hidden.py"] {
            std::fs::write(base.join(file), "").unwrap();
        }
        std::fs::create_dir(base.join("quant")).unwrap();
        let typed = format!("{}/qu", base.display());
        let completion = complete_path(&typed, None, is_strategy_file);
        let dir = base.display();
        assert_eq!(
            completion.candidates,
            vec![
                format!("{dir}/quant/"),
                format!("{dir}/queue_mm.py"),
                format!("{dir}/quiet.rules.toml"),
            ]
        );
        assert_eq!(completion.common, format!("{dir}/qu"));
        let one = complete_path(&format!("{dir}/que"), None, is_strategy_file);
        assert_eq!(one.common, format!("{dir}/queue_mm.py"));
        let hidden = complete_path(&format!("{dir}/.h"), None, is_strategy_file);
        assert_eq!(hidden.candidates, vec![format!("{dir}/.hidden.py")]);
    }

    #[test]
    fn tilde_completes_in_the_home_folder_and_keeps_the_tilde() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join("strategies")).unwrap();
        let completion = complete_path("~/str", Some(home.path()), is_strategy_file);
        assert_eq!(completion.candidates, vec!["~/strategies/".to_owned()]);
        assert_eq!(completion.common, "~/strategies/");
    }

    #[test]
    fn nothing_to_complete_keeps_the_text() {
        let completion = complete_path("/no/such/dir/x", None, is_strategy_file);
        assert_eq!(completion, Completion::default());
    }
}
