//! Counts in words, the same on every page and in every message.

/// "1 contact", "3 contacts", "0 contacts".
pub fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(plural(1, "person", "people"), "1 person");
        assert_eq!(plural(0, "person", "people"), "0 people");
        assert_eq!(plural(2, "person", "people"), "2 people");
        assert_eq!(plural(-1, "contact", "contacts"), "-1 contacts");
    }
}
