//! DBN status records (`StatusMsg`, schema `status`) as market states.
//!
//! By the record's `action`:
//!
//! | action | state |
//! |---|---|
//! | pre-open, pre-cross, quoting, cross, rotation | `pre_open` |
//! | trading | `trading` |
//! | halt, pause, suspend | `halted` |
//! | close, post-close, not available for trading | `closed` |
//! | pre-close | `trading` when `is_trading` is `Y`, else `pre_open` (a closing auction) |
//! | none, new price indication, short-sell restriction change | by `is_trading`: `Y` → `trading`, otherwise no event |

use std::ffi::c_char;

use ::dbn::StatusAction;

use crate::market::MarketState;

/// The state a status record announces; `None` when it changes none.
pub(super) fn state_of(action: u16, is_trading: c_char) -> Option<MarketState> {
    let is_trading = is_trading as u8 == b'Y';
    let by_flag = is_trading.then_some(MarketState::Trading);
    let Ok(action) = StatusAction::try_from(action) else {
        return by_flag;
    };
    Some(match action {
        StatusAction::PreOpen
        | StatusAction::PreCross
        | StatusAction::Quoting
        | StatusAction::Cross
        | StatusAction::Rotation => MarketState::PreOpen,
        StatusAction::Trading => MarketState::Trading,
        StatusAction::Halt | StatusAction::Pause | StatusAction::Suspend => MarketState::Halted,
        StatusAction::Close | StatusAction::PostClose | StatusAction::NotAvailableForTrading => {
            MarketState::Closed
        }
        StatusAction::PreClose if is_trading => MarketState::Trading,
        StatusAction::PreClose => MarketState::PreOpen,
        _ => return by_flag,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_map_to_states() {
        let yes = b'Y' as c_char;
        let no = b'N' as c_char;
        assert_eq!(
            state_of(StatusAction::PreOpen as u16, no),
            Some(MarketState::PreOpen)
        );
        assert_eq!(
            state_of(StatusAction::Trading as u16, yes),
            Some(MarketState::Trading)
        );
        assert_eq!(
            state_of(StatusAction::Pause as u16, no),
            Some(MarketState::Halted)
        );
        assert_eq!(
            state_of(StatusAction::PostClose as u16, no),
            Some(MarketState::Closed)
        );
        assert_eq!(
            state_of(StatusAction::PreClose as u16, no),
            Some(MarketState::PreOpen)
        );
        assert_eq!(state_of(StatusAction::SsrChange as u16, no), None);
        assert_eq!(
            state_of(StatusAction::NewPriceIndication as u16, yes),
            Some(MarketState::Trading)
        );
        assert_eq!(state_of(999, no), None);
    }
}
