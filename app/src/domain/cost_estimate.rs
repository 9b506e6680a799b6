//! What an action will cost: messages × segments × prices, plus the phone numbers it needs.
//! Money is in millionths of a dollar so per-segment prices like $0.0079 stay exact.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prices {
    pub sms_segment_micros: i64,
    pub mms_micros: i64,
    /// Carriers' pass-through fee, per SMS segment or per MMS message.
    pub carrier_fee_micros: i64,
    pub number_monthly_micros: i64,
}

/// The smallest bill for an action, whatever its size.
pub const MINIMUM_CHARGE_MICROS: i64 = 10_000_000;
/// One sending number per this many contacts, so no number sends more than carriers tolerate.
pub const CONTACTS_PER_NUMBER: u64 = 200;
/// MMS goes through a fixed pool of this many numbers.
pub const MMS_NUMBERS: u64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Estimate {
    pub contacts: u64,
    pub segments_per_message: u32,
    pub mms: bool,
    pub messages_micros: i64,
    pub carrier_fees_micros: i64,
    pub numbers_needed: u64,
    pub numbers_micros: i64,
    /// The sum, raised to the minimum charge when below it.
    pub total_micros: i64,
    pub minimum_applied: bool,
}

/// The estimate for one initial message to each of `contacts`, `segments` long (the worst case
/// over variants and fallbacks), as MMS when an image is attached.
pub fn estimate(contacts: u64, segments: u32, mms: bool, prices: &Prices) -> Estimate {
    let n = contacts as i64;
    let (messages_micros, carrier_fees_micros) = if mms {
        (n * prices.mms_micros, n * prices.carrier_fee_micros)
    } else {
        let parts = n * segments as i64;
        (parts * prices.sms_segment_micros, parts * prices.carrier_fee_micros)
    };
    let numbers_needed = if contacts == 0 {
        0
    } else if mms {
        MMS_NUMBERS
    } else {
        contacts.div_ceil(CONTACTS_PER_NUMBER)
    };
    let numbers_micros = numbers_needed as i64 * prices.number_monthly_micros;
    let sum = messages_micros + carrier_fees_micros + numbers_micros;
    Estimate {
        contacts,
        segments_per_message: segments,
        mms,
        messages_micros,
        carrier_fees_micros,
        numbers_needed,
        numbers_micros,
        total_micros: sum.max(MINIMUM_CHARGE_MICROS),
        minimum_applied: sum < MINIMUM_CHARGE_MICROS,
    }
}

/// "$1,234.57" (rounded to the cent).
pub fn format_dollars(micros: i64) -> String {
    let cents = (micros + 5_000).div_euclid(10_000);
    let dollars = cents / 100;
    let digits = dollars.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("${grouped}.{:02}", cents % 100)
}

/// Reads a dollar amount typed by a person ("0.0079", "$1.15") into micros.
pub fn parse_dollars(raw: &str) -> Result<i64, String> {
    let text = raw.trim().trim_start_matches('$').trim();
    let invalid = || format!("\"{}\" is not a dollar amount like 0.0079.", raw.trim());
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if text.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid());
    }
    if frac.len() > 6 {
        return Err(format!("\"{}\" has more than 6 decimal places.", raw.trim()));
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| invalid())? };
    let frac_micros: i64 = format!("{frac:0<6}").parse().map_err(|_| invalid())?;
    whole
        .checked_mul(1_000_000)
        .and_then(|w| w.checked_add(frac_micros))
        .filter(|v| *v <= 1_000_000_000)
        .ok_or_else(invalid)
}

/// Micros as a plain decimal for a form field ("0.0079").
pub fn micros_to_input(micros: i64) -> String {
    let text = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PRICES: Prices = Prices {
        sms_segment_micros: 7_900,
        mms_micros: 20_000,
        carrier_fee_micros: 3_000,
        number_monthly_micros: 1_150_000,
    };

    #[test]
    fn sms_estimate() {
        let e = estimate(10_000, 2, false, &PRICES);
        assert_eq!(e.messages_micros, 10_000 * 2 * 7_900);
        assert_eq!(e.carrier_fees_micros, 10_000 * 2 * 3_000);
        assert_eq!(e.numbers_needed, 50);
        assert_eq!(e.numbers_micros, 50 * 1_150_000);
        assert_eq!(e.total_micros, 158_000_000 + 60_000_000 + 57_500_000);
        assert!(!e.minimum_applied);
        assert_eq!(format_dollars(e.total_micros), "$275.50");
    }

    #[test]
    fn mms_uses_five_numbers_and_the_minimum_applies() {
        let e = estimate(100, 3, true, &PRICES);
        assert_eq!(e.numbers_needed, 5);
        assert_eq!(e.messages_micros, 100 * 20_000);
        assert!(e.minimum_applied);
        assert_eq!(e.total_micros, MINIMUM_CHARGE_MICROS);
        assert_eq!(estimate(201, 1, false, &PRICES).numbers_needed, 2);
    }

    #[test]
    fn dollars_parse_and_print() {
        assert_eq!(parse_dollars("0.0079"), Ok(7_900));
        assert_eq!(parse_dollars("$1.15"), Ok(1_150_000));
        assert_eq!(parse_dollars("2"), Ok(2_000_000));
        assert_eq!(parse_dollars(".5"), Ok(500_000));
        assert!(parse_dollars("-1").is_err());
        assert!(parse_dollars("1.1234567").is_err());
        assert!(parse_dollars("abc").is_err());
        assert_eq!(micros_to_input(7_900), "0.0079");
        assert_eq!(micros_to_input(1_150_000), "1.15");
        assert_eq!(micros_to_input(0), "0");
        assert_eq!(format_dollars(1_234_567_890), "$1,234.57");
    }

    proptest! {
        #[test]
        fn inputs_round_trip(micros in 0i64..1_000_000_000) {
            prop_assert_eq!(parse_dollars(&micros_to_input(micros)), Ok(micros));
        }

        #[test]
        fn totals_never_fall_below_the_minimum(contacts in 0u64..2_000_000, segments in 1u32..10, mms: bool) {
            let e = estimate(contacts, segments, mms, &PRICES);
            prop_assert!(e.total_micros >= MINIMUM_CHARGE_MICROS);
            prop_assert!(e.numbers_needed as u64 * CONTACTS_PER_NUMBER >= contacts || mms);
        }
    }
}
