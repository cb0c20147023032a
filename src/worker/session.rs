//! The window's session worker (`ticklab worker-session`): a
//! [`Session`] in a sandboxed process of its own,
//! driven by the window over the local socket on its standard input.
//!
//! The first message ([`ToWorker::Start`]) says what the sandbox allows;
//! the worker applies it while it has one thread, says which protections
//! are on, starts its [`heartbeat`](super::heartbeat) and the session
//! thread, then forwards commands in and updates out, one message per
//! wake of the session (at most a frame's worth). When the window closes
//! the channel the worker exits at once, whatever its strategy is doing.

use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_channel::{bounded, select, Receiver};

use super::protocol::{FrameReader, FrameWriter, ProtocolError};
use crate::sandbox::{self, SandboxError};
use crate::session::link::message::{FromWorker, ToWorker, SESSION_FRAME_BYTES};
use crate::session::{SendError, Session, Update};

/// Why a session worker stopped.
#[derive(Debug, thiserror::Error)]
pub enum SessionWorkerError {
    /// The channel to the window failed.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The window's first message was not `Start`.
    #[error("the window did not start the session")]
    NotStarted,
    /// The sandbox could not be applied.
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    /// A thread could not be started.
    #[error("cannot start a thread: {0}")]
    Thread(#[from] std::io::Error),
}

type Writer = Arc<Mutex<FrameWriter<UnixStream>>>;

/// Serves the window on `channel` until it closes it. The process should
/// exit when this returns.
pub fn serve(channel: UnixStream) -> Result<(), SessionWorkerError> {
    let mut reader = FrameReader::with_limit(channel.try_clone()?, SESSION_FRAME_BYTES);
    let writer: Writer = Arc::new(Mutex::new(FrameWriter::with_limit(
        channel,
        SESSION_FRAME_BYTES,
    )));
    let Some(ToWorker::Start { plan, options }) = reader.read_message::<ToWorker>()? else {
        return Err(SessionWorkerError::NotStarted);
    };
    let protections = match sandbox::apply(&plan) {
        Ok(protections) => protections,
        Err(err) => {
            send(
                &writer,
                &FromWorker::Failed {
                    message: err.to_string(),
                },
            );
            return Err(err.into());
        }
    };
    send(&writer, &FromWorker::Ready { protections });
    let beats = Arc::clone(&writer);
    let _heartbeat = super::heartbeat::start_with(move |beat| {
        beats
            .lock()
            .is_ok_and(|mut w| w.send(&FromWorker::Heartbeat(beat)).is_ok())
    })?;
    if plan.python {
        if let Err(err) = crate::strategy::python::enable_crash_tracebacks() {
            eprintln!("ticklab worker: no tracebacks on a crash: {err}");
        }
        // A copy of each printed line for the window, should the worker
        // die before the callback that printed it returns.
        crate::strategy::console_tap::set(super::printed::copy_to_stderr);
    }
    let (woken_tx, woken) = bounded::<()>(1);
    let waker = Arc::new(move || {
        let _ = woken_tx.try_send(());
    });
    let mut session = Session::spawn(*options, waker)?;
    let incoming = read_commands(reader)?;
    forward(&mut session, &incoming, &woken, &writer);
    Ok(())
}

/// Reads the window's messages on a thread of their own; the channel
/// closes when the window's does.
fn read_commands(mut reader: FrameReader<UnixStream>) -> std::io::Result<Receiver<ToWorker>> {
    let (tx, rx) = bounded(256);
    std::thread::Builder::new()
        .name("ticklab-session-commands".into())
        .spawn(move || {
            while let Ok(Some(message)) = reader.read_message::<ToWorker>() {
                if tx.send(message).is_err() {
                    return;
                }
            }
        })?;
    Ok(rx)
}

/// Applies the window's messages and sends the session's updates, until
/// the window closes the channel.
fn forward(
    session: &mut Session,
    incoming: &Receiver<ToWorker>,
    woken: &Receiver<()>,
    writer: &Writer,
) {
    let mut updates: Vec<Update> = Vec::new();
    loop {
        select! {
            recv(incoming) -> message => match message {
                Ok(ToWorker::Command(command)) => loop {
                    match session.send(command.clone()) {
                        Ok(()) => break,
                        Err(SendError::Ended) => return,
                        Err(SendError::Busy) => {
                            // The session is behind: let it take some,
                            // sending what it said meanwhile.
                            if !flush(session, &mut updates, writer) {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    }
                },
                Ok(ToWorker::FrameWanted) => session.request_frame(),
                Ok(ToWorker::Start { .. }) => {}
                Err(_) => return,
            },
            recv(woken) -> _ => {},
            default(Duration::from_millis(50)) => {},
        }
        if !flush(session, &mut updates, writer) {
            return;
        }
    }
}

/// Sends the updates waiting, as one message; false when the window is
/// gone.
fn flush(session: &Session, updates: &mut Vec<Update>, writer: &Writer) -> bool {
    while let Some(update) = session.try_recv() {
        updates.push(update);
    }
    if updates.is_empty() {
        return true;
    }
    let message = FromWorker::Updates(std::mem::take(updates));
    send(writer, &message)
}

/// Sends one message; false when the window is gone.
fn send(writer: &Writer, message: &FromWorker) -> bool {
    writer.lock().is_ok_and(|mut w| w.send(message).is_ok())
}
