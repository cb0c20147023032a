//! The worker's messages and their framing on the wire.
//!
//! A frame is the protocol version (one byte), the payload's length (u32,
//! little-endian) and the payload (postcard). A reader refuses another
//! version or a frame over its limit ([`MAX_FRAME_BYTES`] unless set):
//! what a worker sends is untrusted, since strategy code runs in it. The
//! same framing carries a window's session ([`crate::session::link`]).

use std::io::{Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::heartbeat::Heartbeat;
use crate::sandbox::Protection;

/// Version of the frames and messages; both sides must agree (3: the
/// window's session rows packed, see `session::link::packed`).
pub const PROTOCOL_VERSION: u8 = 3;

/// Largest payload a reader takes.
pub const MAX_FRAME_BYTES: u32 = 1 << 20;

/// What a worker tells its parent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum WorkerMessage {
    /// The sandbox is in place: each protection and whether it is on.
    Ready {
        /// The worker's protections.
        protections: Vec<Protection>,
    },
    /// The run is alive; where it is.
    Heartbeat(Heartbeat),
    /// The result of one probe of `ticklab sandbox-check`.
    Probe {
        /// What was tried ("connect to 127.0.0.1").
        attempt: String,
        /// True when the sandbox refused it.
        refused: bool,
        /// What happened (the error, or what succeeded).
        detail: String,
    },
    /// The run finished and its files are written.
    Finished,
    /// The run stopped with an error (a strategy exception, bad data, ...).
    Failed {
        /// The error, with its traceback or causes on the following lines.
        message: String,
    },
}

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The channel failed.
    #[error("the channel failed: {0}")]
    Io(#[from] std::io::Error),
    /// The other side speaks another version.
    #[error("protocol version {found}, expected {PROTOCOL_VERSION}")]
    Version {
        /// The version in the frame.
        found: u8,
    },
    /// A frame longer than the reader's or writer's limit.
    #[error("a frame of {0} bytes, more than allowed")]
    TooLong(u32),
    /// The payload is not a message.
    #[error("a malformed message: {0}")]
    Malformed(#[from] postcard::Error),
}

/// Writes framed messages.
pub struct FrameWriter<W> {
    inner: W,
    buffer: Vec<u8>,
    max_bytes: u32,
}

impl<W: Write> FrameWriter<W> {
    /// Frames messages into `inner`.
    pub fn new(inner: W) -> Self {
        FrameWriter::with_limit(inner, MAX_FRAME_BYTES)
    }

    /// Frames messages of at most `max_bytes` into `inner`.
    pub fn with_limit(inner: W, max_bytes: u32) -> Self {
        FrameWriter {
            inner,
            buffer: Vec::with_capacity(256),
            max_bytes,
        }
    }

    /// Writes and flushes one message.
    pub fn send<M: Serialize>(&mut self, message: &M) -> Result<(), ProtocolError> {
        self.buffer.clear();
        self.buffer
            .extend_from_slice(&[PROTOCOL_VERSION, 0, 0, 0, 0]);
        let buffer = std::mem::take(&mut self.buffer);
        let mut buffer = postcard::to_extend(message, buffer)?;
        let len = u32::try_from(buffer.len() - 5).unwrap_or(u32::MAX);
        if len > self.max_bytes {
            self.buffer = buffer;
            return Err(ProtocolError::TooLong(len));
        }
        buffer[1..5].copy_from_slice(&len.to_le_bytes());
        let written = self
            .inner
            .write_all(&buffer)
            .and_then(|()| self.inner.flush());
        self.buffer = buffer;
        Ok(written?)
    }
}

/// Reads framed messages.
pub struct FrameReader<R> {
    inner: R,
    buffer: Vec<u8>,
    max_bytes: u32,
}

impl<R: Read> FrameReader<R> {
    /// Reads messages from `inner`.
    pub fn new(inner: R) -> Self {
        FrameReader::with_limit(inner, MAX_FRAME_BYTES)
    }

    /// Reads messages of at most `max_bytes` from `inner`.
    pub fn with_limit(inner: R, max_bytes: u32) -> Self {
        FrameReader {
            inner,
            buffer: Vec::new(),
            max_bytes,
        }
    }

    /// The next message; `None` when the channel closed between frames.
    pub fn read_message<M: DeserializeOwned>(&mut self) -> Result<Option<M>, ProtocolError> {
        let mut header = [0_u8; 5];
        let mut got = 0;
        while got < header.len() {
            match self.inner.read(&mut header[got..]) {
                Ok(0) if got == 0 => return Ok(None),
                Ok(0) => return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into()),
                Ok(n) => got += n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err.into()),
            }
        }
        if header[0] != PROTOCOL_VERSION {
            return Err(ProtocolError::Version { found: header[0] });
        }
        let len = u32::from_le_bytes([header[1], header[2], header[3], header[4]]);
        if len > self.max_bytes {
            return Err(ProtocolError::TooLong(len));
        }
        self.buffer.resize(len as usize, 0);
        self.inner.read_exact(&mut self.buffer)?;
        Ok(Some(postcard::from_bytes(&self.buffer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::ProtectionState;
    use crate::worker::RunningCallback;

    fn messages() -> Vec<WorkerMessage> {
        vec![
            WorkerMessage::Ready {
                protections: vec![Protection {
                    name: "network namespace".into(),
                    state: ProtectionState::On("no network".into()),
                }],
            },
            WorkerMessage::Heartbeat(Heartbeat {
                event_index: 1234,
                data_ts_ns: 1_772_409_600_000_000_000,
                callback: Some(RunningCallback {
                    serial: 7,
                    name: "on_trade".into(),
                    running_ms: 250,
                }),
            }),
            WorkerMessage::Finished,
            WorkerMessage::Failed {
                message: "bad\ntraceback".into(),
            },
        ]
    }

    #[test]
    fn messages_come_back_as_they_were_sent() {
        let mut wire = Vec::new();
        let mut writer = FrameWriter::new(&mut wire);
        for message in messages() {
            writer.send(&message).unwrap();
        }
        let mut reader = FrameReader::new(wire.as_slice());
        let mut read: Vec<WorkerMessage> = Vec::new();
        while let Some(message) = reader.read_message().unwrap() {
            read.push(message);
        }
        assert_eq!(read, messages());
    }

    #[test]
    fn a_frame_has_the_version_and_the_length_first() {
        let mut wire = Vec::new();
        FrameWriter::new(&mut wire)
            .send(&WorkerMessage::Finished)
            .unwrap();
        // `Finished` is variant 3: one byte of postcard.
        assert_eq!(wire, [PROTOCOL_VERSION, 1, 0, 0, 0, 3]);
    }

    #[test]
    fn bad_frames_are_refused() {
        let other_version = [PROTOCOL_VERSION + 1, 1, 0, 0, 0, 3];
        assert!(matches!(
            FrameReader::new(&other_version[..]).read_message::<WorkerMessage>(),
            Err(ProtocolError::Version { .. })
        ));
        let huge = [PROTOCOL_VERSION, 0xff, 0xff, 0xff, 0x7f];
        assert!(matches!(
            FrameReader::new(&huge[..]).read_message::<WorkerMessage>(),
            Err(ProtocolError::TooLong(_))
        ));
        let cut = [PROTOCOL_VERSION, 4, 0, 0, 0, 1];
        assert!(matches!(
            FrameReader::new(&cut[..]).read_message::<WorkerMessage>(),
            Err(ProtocolError::Io(_))
        ));
        let junk = [PROTOCOL_VERSION, 1, 0, 0, 0, 99];
        assert!(matches!(
            FrameReader::new(&junk[..]).read_message::<WorkerMessage>(),
            Err(ProtocolError::Malformed(_))
        ));
    }
}
