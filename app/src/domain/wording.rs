//! Counts in words, the same on every page and in every message.

/// "1 contact", "3 contacts", "0 contacts", "12,000 contacts".
pub fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        let digits = thousands(n.unsigned_abs());
        let sign = if n < 0 { "-" } else { "" };
        format!("{sign}{digits} {many}")
    }
}

/// 1234567 → "1,234,567", as people read a count or a limit.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{plural, thousands};

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(plural(1, "person", "people"), "1 person");
        assert_eq!(plural(0, "person", "people"), "0 people");
        assert_eq!(plural(2, "person", "people"), "2 people");
        assert_eq!(plural(-1, "contact", "contacts"), "-1 contacts");
        assert_eq!(plural(12000, "contact", "contacts"), "12,000 contacts");
    }
}
