//! The heatmap's readout under the cursor: time, price, the level's size
//! and the trades printed there.

use crate::market::Side;

use super::format;
use super::view::View;

/// What the heatmap shows at `t_ns` and `price`: the time, the price, the
/// level's size in the book column in force then, and the trades at that
/// price within `window_ns` after it (size and aggressor).
pub fn heat_readout(
    view: &View,
    instrument: &crate::market::Instrument,
    t_ns: i64,
    price: i64,
    window_ns: i64,
) -> String {
    let mut text = format!(
        "{}\nprice {}",
        format::datetime_us_from_ns(t_ns),
        format::price_from_ticks(instrument, price)
    );
    let column = view.heat.iter().take_while(|c| c.ts_ns <= t_ns).last();
    match column {
        Some(column) => {
            let bid = column.book.qty_at(Side::Buy, price);
            let ask = column.book.qty_at(Side::Sell, price);
            let (side, qty) = if bid > 0 { ("bid", bid) } else { ("ask", ask) };
            if qty > 0 {
                text.push_str(&format!(
                    "\n{side} size {} (at {})",
                    format::qty_from_lots(instrument, qty),
                    format::clock_ms_from_ns(column.ts_ns)
                ));
            } else {
                text.push_str("\nno resting size");
            }
        }
        None => text.push_str("\nnot sampled"),
    }
    let from = view.trades.partition_point_by(t_ns, |t| t.ts_ns);
    let (mut bought, mut sold) = (0_i64, 0_i64);
    for trade in view
        .trades
        .iter()
        .skip(from)
        .take_while(|t| t.ts_ns <= t_ns + window_ns.max(1))
        .filter(|t| t.price_ticks == price)
    {
        match trade.side {
            Side::Buy => bought += trade.qty_lots,
            _ => sold += trade.qty_lots,
        }
    }
    if bought > 0 {
        text.push_str(&format!(
            "\ntraded {} (buyers aggressed)",
            format::qty_from_lots(instrument, bought)
        ));
    }
    if sold > 0 {
        text.push_str(&format!(
            "\ntraded {} (sellers aggressed)",
            format::qty_from_lots(instrument, sold)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::Level;
    use crate::market::Instrument;
    use crate::session::heat::BookColumn;
    use crate::session::update::TradeRecord;
    use crate::session::BookView;

    #[test]
    fn the_readout_names_time_price_size_and_the_trades_there() {
        let instrument = Instrument::new("X", 0.5, 0.1);
        // 2026-03-02 14:35:00 UTC.
        let t = 1_772_462_100_000_000_000;
        let mut view = View::default();
        let column = |ts_ns, bid: i64| BookColumn {
            ts_ns,
            book: BookView {
                bids: vec![Level {
                    price: 200,
                    qty: bid,
                }],
                asks: vec![Level { price: 201, qty: 7 }],
            },
        };
        view.heat
            .extend(false, vec![column(t, 30), column(t + 1_000_000_000, 40)]);
        view.trades.push(TradeRecord {
            ts_ns: t + 100_000_000,
            price_ticks: 200,
            qty_lots: 5,
            side: Side::Sell,
        });
        view.trades.push(TradeRecord {
            ts_ns: t + 200_000_000,
            price_ticks: 200,
            qty_lots: 2,
            side: Side::Sell,
        });
        view.trades.push(TradeRecord {
            ts_ns: t + 900_000_000,
            price_ticks: 200,
            qty_lots: 9,
            side: Side::Sell,
        });
        let at = t + 50_000_000;
        assert_eq!(
            heat_readout(&view, &instrument, at, 200, 500_000_000),
            "2026-03-02 14:35:00.050 000\nprice 100.0\nbid size 3.0 (at 14:35:00.000)\ntraded 0.7 (sellers aggressed)"
        );
        assert_eq!(
            heat_readout(&view, &instrument, at, 201, 500_000_000),
            "2026-03-02 14:35:00.050 000\nprice 100.5\nask size 0.7 (at 14:35:00.000)"
        );
        assert_eq!(
            heat_readout(&view, &instrument, t - 1, 203, 1),
            "2026-03-02 14:34:59.999 999\nprice 101.5\nnot sampled"
        );
    }
}
