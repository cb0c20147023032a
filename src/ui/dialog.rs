//! Native file dialogs, run on a helper thread so the window keeps
//! drawing while one is open. Folder and file pickers go through the XDG
//! desktop portal; where none runs, the dialog reports that nothing was
//! chosen and the user can type a path or drop a folder instead.

use std::path::PathBuf;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, TryRecvError};

/// What a dialog is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    /// A data folder.
    Folder,
    /// A strategy file.
    StrategyFile,
}

/// A dialog that is open.
pub struct Dialog {
    kind: DialogKind,
    result: Receiver<Option<PathBuf>>,
    thread: Option<JoinHandle<()>>,
}

impl Dialog {
    /// Opens a dialog; `wake` is called when it closes.
    pub fn open(kind: DialogKind, wake: impl Fn() + Send + 'static) -> std::io::Result<Dialog> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let thread = std::thread::Builder::new()
            .name("ticklab-dialog".to_owned())
            .spawn(move || {
                let picked = match kind {
                    DialogKind::Folder => rfd::FileDialog::new()
                        .set_title("Open a data folder")
                        .pick_folder(),
                    DialogKind::StrategyFile => rfd::FileDialog::new()
                        .set_title("Choose a strategy")
                        .add_filter("Strategies", &["py", "toml", "yaml", "yml", "json"])
                        .pick_file(),
                };
                let _ = tx.send(picked);
                wake();
            })?;
        Ok(Dialog {
            kind,
            result: rx,
            thread: Some(thread),
        })
    }

    /// What it is for.
    pub fn kind(&self) -> DialogKind {
        self.kind
    }

    /// `Some(choice)` once closed (`Some(None)`: nothing chosen).
    pub fn poll(&mut self) -> Option<Option<PathBuf>> {
        match self.result.try_recv() {
            Ok(choice) => {
                if let Some(thread) = self.thread.take() {
                    let _ = thread.join();
                }
                Some(choice)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(None),
        }
    }
}
