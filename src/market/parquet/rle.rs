//! Parquet's RLE / bit-packed hybrid encoding, used for definition levels
//! and dictionary indices: runs of one repeated value, or groups of eight
//! values packed `bit_width` bits each, least significant bit first.

/// Decodes `count` values from `data`, appending them to `out`; returns
/// the bytes consumed. Truncated or malformed input is an error, never a
/// panic.
pub(crate) fn decode(
    data: &[u8],
    bit_width: u32,
    count: usize,
    out: &mut Vec<u32>,
) -> Result<usize, String> {
    if bit_width > 32 {
        return Err(format!("bit width {bit_width} is over 32"));
    }
    let value_bytes = bit_width.div_ceil(8) as usize;
    let width = bit_width as usize;
    let mut pos = 0;
    let mut left = count;
    out.reserve(count);
    while left > 0 {
        let (header, used) = uleb128(data.get(pos..).unwrap_or_default())?;
        pos += used;
        let length = usize::try_from(header >> 1).map_err(|_| "run too long".to_owned())?;
        if length == 0 {
            return Err("empty run".to_owned());
        }
        if header & 1 == 0 {
            // A run of one value stored in `value_bytes` little-endian bytes.
            let bytes = data
                .get(pos..pos + value_bytes)
                .ok_or_else(|| "truncated run".to_owned())?;
            let value = bytes
                .iter()
                .rev()
                .fold(0_u32, |acc, &byte| (acc << 8) | u32::from(byte));
            pos += value_bytes;
            let taken = length.min(left);
            out.resize(out.len() + taken, value);
            left -= taken;
        } else {
            // `length` groups of 8 values, `bit_width` bytes per group.
            let byte_len = length.saturating_mul(width);
            let available = data.len().saturating_sub(pos).min(byte_len);
            let packed = data.get(pos..pos + available).unwrap_or_default();
            let taken = length.saturating_mul(8).min(left);
            if (taken * width).div_ceil(8) > packed.len() {
                return Err("truncated bit-packed run".to_owned());
            }
            unpack(packed, bit_width, taken, out);
            pos += available;
            left -= taken;
        }
    }
    Ok(pos)
}

/// Appends `count` values packed `bit_width` bits each (`packed` holds them).
fn unpack(packed: &[u8], bit_width: u32, count: usize, out: &mut Vec<u32>) {
    let width = bit_width as usize;
    let mask = if bit_width == 32 {
        u64::from(u32::MAX)
    } else {
        (1_u64 << bit_width) - 1
    };
    let mut index = 0;
    if width <= 8 {
        // A whole group of 8 values fits in one 64-bit word.
        for group in packed.chunks_exact(width.max(1)).take(count / 8) {
            let mut word = [0_u8; 8];
            word[..group.len()].copy_from_slice(group);
            let word = u64::from_le_bytes(word);
            for slot in 0..8 {
                out.push(((word >> (slot * width)) & mask) as u32);
            }
            index += 8;
        }
    }
    while index < count {
        let bit = index * width;
        let byte = bit / 8;
        let mut word = [0_u8; 8];
        let tail = packed
            .get(byte..(byte + 8).min(packed.len()))
            .unwrap_or_default();
        word[..tail.len()].copy_from_slice(tail);
        out.push(((u64::from_le_bytes(word) >> (bit % 8)) & mask) as u32);
        index += 1;
    }
}

/// An unsigned LEB128 varint: the value and the bytes it used.
fn uleb128(data: &[u8]) -> Result<(u64, usize), String> {
    let mut value = 0_u64;
    for (index, &byte) in data.iter().take(10).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            return Ok((value, index + 1));
        }
    }
    Err("truncated run header".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(data: &[u8], bit_width: u32, count: usize) -> Result<Vec<u32>, String> {
        let mut out = Vec::new();
        decode(data, bit_width, count, &mut out)?;
        Ok(out)
    }

    #[test]
    fn rle_runs_and_bit_packed_groups() {
        // Run of 5 × 3 (bit width 2), then one packed group 0..8 (width 3).
        assert_eq!(collect(&[10, 3], 2, 5).unwrap(), [3; 5]);
        let packed = [0b1000_1000, 0b1100_0110, 0b1111_1010];
        assert_eq!(
            collect(&[3, packed[0], packed[1], packed[2]], 3, 8).unwrap(),
            [0, 1, 2, 3, 4, 5, 6, 7]
        );
        // Fewer values wanted than the group holds.
        assert_eq!(
            collect(&[3, packed[0], packed[1], packed[2]], 3, 3).unwrap(),
            [0, 1, 2]
        );
        // Bit width 0: every value is 0.
        assert_eq!(collect(&[8], 0, 4).unwrap(), [0; 4]);
        assert_eq!(collect(&[3], 0, 8).unwrap(), [0; 8]);
        // Two packed groups (width 1) then a run: 16 + 3 values.
        assert_eq!(
            collect(&[5, 0b0101_0101, 0xff, 6, 1], 1, 19).unwrap(),
            [1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
        );
        // Wide values take the general path.
        assert_eq!(
            collect(&[3, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0], 16, 8).unwrap(),
            [1, 2, 3, 4, 5, 6, 7, 8]
        );
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert!(collect(&[], 1, 1).is_err());
        assert!(collect(&[10], 8, 5).is_err());
        assert!(collect(&[3, 1], 8, 8).is_err());
        assert!(collect(&[0], 1, 1).is_err());
        assert!(collect(&[0x80, 0x80], 1, 1).is_err());
        assert!(collect(&[2, 1], 33, 1).is_err());
    }
}
