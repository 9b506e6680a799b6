//! What kind of sender a number is, and how many message segments per second it may send.
//!
//! Carriers pace each sender by segments (a 3-segment text takes three), at a rate that depends
//! on the sender's type; Twilio queues what goes faster and fails it with 21611/30001 once the
//! queue holds 10 hours. The defaults are Twilio's own:
//! - a US long code sends 1 segment per second ("a US long code number can send one message
//!   segment per second": Twilio error pages 21611 and 30001; Twilio FAQ "What are the limits
//!   on outbound calls and SMS messages per-second?": "1 SMS message segment per-second,
//!   per-number");
//! - a US toll-free number 3 ("By default, any US Toll-Free number you purchase from Twilio
//!   offers an SMS sending throughput of 3 MPS (message segment per second)": Twilio support,
//!   "Toll-Free SMS and MMS messaging throughput (MPS)"; High-Throughput Toll-Free goes from 25
//!   to 150);
//! - a short code 100 ("Twilio short codes can send 100 SMS messages per second by default":
//!   Twilio support, "What is a short code?"; the 21611 page: "a short code may send over 100
//!   message segments per second").
//!
//! A long code registered for A2P 10DLC gets its campaign's throughput instead, set by the
//! brand's Trust Score (4, 40 or 75 segments per second toward each major US carrier: Twilio
//! support, "Message throughput (MPS) and Trust Scores for A2P 10DLC in the US"). Nothing in the
//! number says whether it is registered, so an organization whose campaign has more sets its
//! long-code rate (`SendRates`); the same goes for a toll-free or short code with more bought.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SenderType {
    /// A 10-digit number (or any other full number): 1 segment per second unless registered.
    LongCode,
    /// +1 800, 833, 844, 855, 866, 877 or 888.
    TollFree,
    /// 5 or 6 digits.
    ShortCode,
}

/// The NANP's toll-free area codes in service (the FCC's toll-free numbering: 800, 888, 877,
/// 866, 855, 844, 833).
pub const TOLL_FREE_AREA_CODES: [&str; 7] = ["800", "833", "844", "855", "866", "877", "888"];

impl SenderType {
    pub const ALL: [SenderType; 3] = [SenderType::LongCode, SenderType::TollFree, SenderType::ShortCode];

    /// The type of a sending number as Twilio spells it: E.164 ("+18005550100") or a short
    /// code's digits ("12345").
    pub fn of(number: &str) -> SenderType {
        let number = number.trim();
        let digits = number.strip_prefix('+').unwrap_or(number);
        if !number.starts_with('+') && (5..=6).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            return SenderType::ShortCode;
        }
        match digits.strip_prefix('1') {
            Some(national) if national.len() == 10 && TOLL_FREE_AREA_CODES.contains(&&national[..3]) => {
                SenderType::TollFree
            }
            _ => SenderType::LongCode,
        }
    }

    /// Twilio's default segments per second for one sender of this type (see the module).
    pub fn default_per_sec(self) -> u32 {
        match self {
            SenderType::LongCode => 1,
            SenderType::TollFree => 3,
            SenderType::ShortCode => 100,
        }
    }

    /// The most an organization may set: a 10DLC campaign's highest tier (75 toward each of
    /// the three major carriers, 225 in all), High-Throughput Toll-Free's 150, and for short
    /// codes 1,000 (more is bought from Twilio and well past what one process sends).
    pub fn max_per_sec(self) -> u32 {
        match self {
            SenderType::LongCode => 225,
            SenderType::TollFree => 150,
            SenderType::ShortCode => 1000,
        }
    }

    /// As stored (migrations/0040: `<key>_per_sec`) and the settings form's field names.
    pub fn key(self) -> &'static str {
        match self {
            SenderType::LongCode => "long_code",
            SenderType::TollFree => "toll_free",
            SenderType::ShortCode => "short_code",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SenderType::LongCode => "Long codes (10DLC)",
            SenderType::TollFree => "Toll-free numbers",
            SenderType::ShortCode => "Short codes",
        }
    }
}

/// An organization's segments per second for each sender type; `None` is Twilio's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SendRates {
    pub long_code: Option<u32>,
    pub toll_free: Option<u32>,
    pub short_code: Option<u32>,
}

impl SendRates {
    /// The organization's rate for `sender`, if it set one.
    pub fn get(&self, sender: SenderType) -> Option<u32> {
        match sender {
            SenderType::LongCode => self.long_code,
            SenderType::TollFree => self.toll_free,
            SenderType::ShortCode => self.short_code,
        }
    }

    /// What a number of this type sends at: the organization's rate, else Twilio's default.
    pub fn per_sec(&self, sender: SenderType) -> u32 {
        self.get(sender).unwrap_or(sender.default_per_sec())
    }

    fn slot(&mut self, sender: SenderType) -> &mut Option<u32> {
        match sender {
            SenderType::LongCode => &mut self.long_code,
            SenderType::TollFree => &mut self.toll_free,
            SenderType::ShortCode => &mut self.short_code,
        }
    }

    /// The settings form's three fields (blank or absent: the default). An error names the
    /// field (`<key>_per_sec`) and says the limit.
    pub fn parse(long_code: &str, toll_free: &str, short_code: &str) -> Result<SendRates, (&'static str, String)> {
        let mut rates = SendRates::default();
        for (sender, raw) in SenderType::ALL.into_iter().zip([long_code, toll_free, short_code]) {
            *rates.slot(sender) = parse_rate(sender, raw).map_err(|message| (sender.field(), message))?;
        }
        Ok(rates)
    }
}

impl SenderType {
    /// The settings form's field for this type's rate.
    pub fn field(self) -> &'static str {
        match self {
            SenderType::LongCode => "long_code_per_sec",
            SenderType::TollFree => "toll_free_per_sec",
            SenderType::ShortCode => "short_code_per_sec",
        }
    }
}

fn parse_rate(sender: SenderType, raw: &str) -> Result<Option<u32>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let max = sender.max_per_sec();
    match raw.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "{} send a whole number of segments per second from 1 to {max} (blank for Twilio's default, {}), not {raw:?}.",
            sender.label(),
            sender.default_per_sec()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_type_follows_the_number() {
        assert_eq!(SenderType::of("+13125550100"), SenderType::LongCode);
        for code in TOLL_FREE_AREA_CODES {
            assert_eq!(SenderType::of(&format!("+1{code}5550100")), SenderType::TollFree, "{code}");
        }
        assert_eq!(SenderType::of("+18995550100"), SenderType::LongCode, "899 is not toll-free");
        assert_eq!(SenderType::of("12345"), SenderType::ShortCode);
        assert_eq!(SenderType::of("123456"), SenderType::ShortCode);
        assert_eq!(SenderType::of("+12345"), SenderType::LongCode, "E.164 is never a short code");
        assert_eq!(SenderType::of("1234567"), SenderType::LongCode);
        assert_eq!(SenderType::of("+447911123456"), SenderType::LongCode);
    }

    #[test]
    fn defaults_are_twilios() {
        let rates = SendRates::default();
        assert_eq!(rates.per_sec(SenderType::LongCode), 1);
        assert_eq!(rates.per_sec(SenderType::TollFree), 3);
        assert_eq!(rates.per_sec(SenderType::ShortCode), 100);
        let set = SendRates { long_code: Some(40), ..SendRates::default() };
        assert_eq!(set.per_sec(SenderType::LongCode), 40);
        assert_eq!(set.per_sec(SenderType::TollFree), 3);
    }

    #[test]
    fn the_form_is_parsed_with_named_errors() {
        assert_eq!(SendRates::parse("", " ", ""), Ok(SendRates::default()));
        assert_eq!(
            SendRates::parse("4", "25", "100"),
            Ok(SendRates { long_code: Some(4), toll_free: Some(25), short_code: Some(100) })
        );
        let (field, message) = SendRates::parse("226", "", "").unwrap_err();
        assert_eq!(field, "long_code_per_sec");
        assert!(message.contains("from 1 to 225") && message.contains("\"226\""), "{message}");
        assert_eq!(SendRates::parse("", "0", "").unwrap_err().0, "toll_free_per_sec");
        assert_eq!(SendRates::parse("", "", "fast").unwrap_err().0, "short_code_per_sec");
        assert_eq!(SendRates::parse("1.5", "", "").unwrap_err().0, "long_code_per_sec");
    }

    proptest! {
        #[test]
        fn every_rate_in_range_round_trips(n in 1u32..=225) {
            let rates = SendRates::parse(&n.to_string(), &n.min(150).to_string(), &n.to_string()).unwrap();
            prop_assert_eq!(rates.per_sec(SenderType::LongCode), n);
            prop_assert_eq!(rates.per_sec(SenderType::TollFree), n.min(150));
        }

        #[test]
        fn any_ten_digit_nanp_number_has_one_type(area in 200u32..1000, rest in 0u32..10_000_000) {
            let number = format!("+1{area}{rest:07}");
            let expected = if TOLL_FREE_AREA_CODES.contains(&area.to_string().as_str()) {
                SenderType::TollFree
            } else {
                SenderType::LongCode
            };
            prop_assert_eq!(SenderType::of(&number), expected);
        }
    }
}
