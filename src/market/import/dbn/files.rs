//! Opening DBN files: the decoder, record reading, and instrument
//! definitions that give the tick size.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use ::dbn::decode::{DbnMetadata, DecodeRecordRef, DynDecoder};
use ::dbn::{
    rtype, InstrumentDefMsg, MboMsg, Mbp10Msg, Mbp1Msg, Schema, StatusMsg, TradeMsg,
    VersionUpgradePolicy, UNDEF_PRICE,
};

use crate::market::import::ImportError;
use crate::market::Instrument;

pub(super) type Decoder = DynDecoder<'static, BufReader<File>>;

/// Opens a DBN file (plain or zstd; any DBN version, read as v3).
pub(crate) fn open_decoder(path: &Path) -> Result<Decoder, ImportError> {
    DynDecoder::from_file(path, VersionUpgradePolicy::UpgradeToV3)
        .map_err(|err| ImportError::format(path, format!("not a readable DBN file: {err}")))
}

/// The schema a DBN file declares in its metadata.
pub(crate) fn file_schema(path: &Path) -> Result<Option<Schema>, ImportError> {
    Ok(open_decoder(path)?.metadata().schema)
}

/// One decoded record, copied out of the decoder's buffer.
pub(super) enum Record {
    Mbo(MboMsg),
    Mbp1(Mbp1Msg),
    /// Boxed: ten levels make it far larger than the others.
    Mbp10(Box<Mbp10Msg>),
    Trade(TradeMsg),
    Status(StatusMsg),
    Definition,
    Other(u8),
}

pub(super) fn read_record(
    decoder: &mut Decoder,
    path: &Path,
    at: u64,
) -> Result<Option<Record>, ImportError> {
    let record = decoder
        .decode_record_ref()
        .map_err(|err| ImportError::format(path, format!("record {at}: cannot decode: {err}")))?;
    let Some(record) = record else {
        return Ok(None);
    };
    let rtype = record.header().rtype;
    Ok(Some(if let Some(r) = record.get::<MboMsg>() {
        Record::Mbo(r.clone())
    } else if let Some(r) = record.get::<Mbp10Msg>() {
        Record::Mbp10(Box::new(r.clone()))
    } else if let Some(r) = record.get::<Mbp1Msg>() {
        Record::Mbp1(r.clone())
    } else if let Some(r) = record.get::<TradeMsg>() {
        Record::Trade(r.clone())
    } else if let Some(r) = record.get::<StatusMsg>() {
        Record::Status(r.clone())
    } else if rtype == rtype::INSTRUMENT_DEF {
        Record::Definition
    } else {
        Record::Other(rtype)
    }))
}

/// Every instrument definition in a `definition` file.
pub(crate) fn read_definitions(path: &Path) -> Result<Vec<InstrumentDefMsg>, ImportError> {
    let mut decoder = open_decoder(path)?;
    let mut definitions = Vec::new();
    let mut at = 0;
    loop {
        at += 1;
        let record = decoder.decode_record_ref().map_err(|err| {
            ImportError::format(path, format!("record {at}: cannot decode: {err}"))
        })?;
        let Some(record) = record else { break };
        if let Some(def) = record.get::<InstrumentDefMsg>() {
            definitions.push(def.clone());
        }
    }
    Ok(definitions)
}

/// The instrument id of the first market-data record of a data file.
pub(crate) fn first_instrument_id(path: &Path) -> Result<Option<u32>, ImportError> {
    let mut decoder = open_decoder(path)?;
    let mut at = 0;
    while let Some(record) = read_record(&mut decoder, path, at + 1)? {
        at += 1;
        let iid = match record {
            Record::Mbo(r) => r.hd.instrument_id,
            Record::Mbp1(r) => r.hd.instrument_id,
            Record::Mbp10(r) => r.hd.instrument_id,
            Record::Trade(r) => r.hd.instrument_id,
            Record::Status(r) => r.hd.instrument_id,
            Record::Definition | Record::Other(_) => continue,
        };
        return Ok(Some(iid));
    }
    Ok(None)
}

/// The instrument a definition describes: tick size from
/// `min_price_increment`, currency, and contract multiplier from
/// `unit_of_measure_qty` when it is set.
pub(crate) fn instrument_from_definition(
    symbol: &str,
    def: &InstrumentDefMsg,
    lot_size: f64,
) -> Option<Instrument> {
    if def.min_price_increment <= 0 || def.min_price_increment == UNDEF_PRICE {
        return None;
    }
    let mut instrument = Instrument::new(symbol, def.min_price_increment as f64 * 1e-9, lot_size);
    if let Ok(currency) = def.currency() {
        if !currency.is_empty() {
            instrument.currency = currency.to_owned();
        }
    }
    if def.unit_of_measure_qty > 0 && def.unit_of_measure_qty != i64::MAX {
        instrument.contract_multiplier = def.unit_of_measure_qty as f64 * 1e-9;
    }
    instrument.description = format!(
        "Databento definition of {} (instrument_id {})",
        def.raw_symbol().unwrap_or("?"),
        def.hd.instrument_id
    );
    Some(instrument)
}
