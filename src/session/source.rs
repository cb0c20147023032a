//! Market data for the engine from the Parquet loader thread.

use std::borrow::Cow;

use crate::market::parquet::{Loader, ReadSummary};
use crate::market::MarketEvent;
use crate::sim::{EventSource, SourceError};

/// Batches decoded by a [`Loader`] on its own thread, handed to the engine
/// as they arrive: memory stays bounded by the loader's queue of batches.
pub struct LoaderSource {
    loader: Option<Loader>,
    summary: Option<ReadSummary>,
}

impl LoaderSource {
    /// Feeds the engine from `loader`.
    pub fn new(loader: Loader) -> Self {
        LoaderSource {
            loader: Some(loader),
            summary: None,
        }
    }

    /// What the loader read, once the data is over.
    pub fn summary(&self) -> Option<&ReadSummary> {
        self.summary.as_ref()
    }
}

impl EventSource<'static> for LoaderSource {
    fn next_batch(&mut self) -> Result<Option<Cow<'static, [MarketEvent]>>, SourceError> {
        let Some(loader) = self.loader.as_ref() else {
            return Ok(None);
        };
        match loader.recv() {
            Some(Ok(batch)) => Ok(Some(Cow::Owned(batch))),
            Some(Err(err)) => {
                self.loader = None;
                Err(Box::new(err))
            }
            None => {
                if let Some(loader) = self.loader.take() {
                    self.summary = Some(loader.finish()?);
                }
                Ok(None)
            }
        }
    }
}
