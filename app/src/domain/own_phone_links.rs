//! Links that open the volunteer's own phone apps with a Friend-to-Friend script filled in:
//! `sms:` (Messages), `mailto:` (mail) and `tel:` (the dialer). Nothing is sent by us; the
//! volunteer presses send in their own app.
//!
//! The body of an `sms:` link is written two ways. RFC 5724 (§2.2) puts it after `?body=`,
//! which Android's Messages and most others follow. iOS Messages reads `&body=` after the
//! number instead; it has done so since iOS 8, and it ignores a `?body=`. So the form depends
//! on the phone, told apart by its user agent.

/// Which form of `sms:` link the phone reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsPlatform {
    /// iPhone, iPad, iPod: `sms:+1…&body=…`.
    Ios,
    /// Everyone else, as RFC 5724 writes it: `sms:+1…?body=…`.
    Standard,
}

impl SmsPlatform {
    /// iPadOS 13 and later say "Macintosh" by default; a Mac with a touch screen is an iPad, but
    /// the user agent alone cannot tell, so a Mac gets the iOS form too (Messages on macOS reads
    /// it the same way).
    pub fn from_user_agent(user_agent: &str) -> SmsPlatform {
        let ua = user_agent.to_ascii_lowercase();
        if ua.contains("android") {
            SmsPlatform::Standard
        } else if ["iphone", "ipad", "ipod", "macintosh"].iter().any(|d| ua.contains(d)) {
            SmsPlatform::Ios
        } else {
            SmsPlatform::Standard
        }
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so the text arrives as
/// written: spaces, line breaks, `&`, `?`, `#` and emoji included.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// The number as a link holds it: `+` and digits only.
fn dialable(number: &str) -> String {
    number.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect()
}

/// Opens the phone's messaging app to `number` with `body` typed in.
pub fn sms_link(number: &str, body: &str, platform: SmsPlatform) -> String {
    let separator = match platform {
        SmsPlatform::Ios => '&',
        SmsPlatform::Standard => '?',
    };
    format!("sms:{}{separator}body={}", dialable(number), percent_encode(body))
}

/// Opens the mail app with the subject and body filled in (RFC 6068; line breaks as CRLF).
pub fn mailto_link(address: &str, subject: &str, body: &str) -> String {
    let body = body.replace("\r\n", "\n").replace('\n', "\r\n");
    format!(
        "mailto:{}?subject={}&body={}",
        percent_encode(address).replace("%40", "@"),
        percent_encode(subject),
        percent_encode(&body)
    )
}

/// Opens the dialer (RFC 3966).
pub fn tel_link(number: &str) -> String {
    format!("tel:{}", dialable(number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";

    #[test]
    fn each_platform_gets_its_own_form() {
        let body = "Hi Ana! Can you vote early? https://example.org/vote?x=1&y=2";
        assert_eq!(SmsPlatform::from_user_agent(IPHONE), SmsPlatform::Ios);
        assert_eq!(SmsPlatform::from_user_agent(ANDROID), SmsPlatform::Standard);
        assert_eq!(
            sms_link("+1 (312) 555-0100", body, SmsPlatform::Ios),
            "sms:+13125550100&body=Hi%20Ana%21%20Can%20you%20vote%20early%3F%20https%3A%2F%2Fexample.org%2Fvote%3Fx%3D1%26y%3D2"
        );
        assert!(sms_link("+13125550100", body, SmsPlatform::Standard).starts_with("sms:+13125550100?body=Hi%20Ana%21"));
    }

    #[test]
    fn line_breaks_and_emoji_survive() {
        assert_eq!(
            sms_link("+13125550100", "a\nb 👋", SmsPlatform::Standard),
            "sms:+13125550100?body=a%0Ab%20%F0%9F%91%8B"
        );
        assert_eq!(
            mailto_link("ana@example.org", "Vote Tuesday", "Hi Ana,\nsee you there"),
            "mailto:ana@example.org?subject=Vote%20Tuesday&body=Hi%20Ana%2C%0D%0Asee%20you%20there"
        );
        assert_eq!(tel_link("(312) 555-0100"), "tel:3125550100");
    }

    proptest! {
        #[test]
        fn the_body_decodes_back_to_what_was_written(body in "\\PC{0,60}") {
            let link = sms_link("+13125550100", &body, SmsPlatform::Standard);
            let encoded = link.split_once("?body=").unwrap().1;
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
            let mut bytes = Vec::new();
            let raw = encoded.as_bytes();
            let mut i = 0;
            while i < raw.len() {
                if raw[i] == b'%' {
                    bytes.push(u8::from_str_radix(std::str::from_utf8(&raw[i + 1..i + 3]).unwrap(), 16).unwrap());
                    i += 3;
                } else {
                    bytes.push(raw[i]);
                    i += 1;
                }
            }
            prop_assert_eq!(String::from_utf8(bytes).unwrap(), body);
        }
    }
}
