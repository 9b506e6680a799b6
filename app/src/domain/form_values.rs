//! Values as HTML forms post them. The server functions take plain form fields (so every form
//! also works as a plain post before the bundle loads) and parse them here, once.

/// A checkbox posts "on" (or "true") when ticked and nothing when not.
pub fn checkbox(raw: &str) -> bool {
    matches!(raw, "on" | "true" | "1" | "yes")
}

/// "312, 773 312" → [312, 773]: area codes separated by commas, spaces or semicolons, each
/// once, in the order given. The error names the part that is not an area code.
pub fn area_codes(raw: &str) -> Result<Vec<i32>, String> {
    let mut codes = Vec::new();
    for part in raw.split([',', ' ', ';']).filter(|p| !p.trim().is_empty()) {
        let code: i32 = part
            .trim()
            .parse()
            .ok()
            .filter(|c| (200..=999).contains(c))
            .ok_or_else(|| format!("\"{}\" is not a 3-digit area code.", part.trim()))?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkboxes() {
        assert!(checkbox("on"));
        assert!(checkbox("true"));
        assert!(!checkbox(""));
        assert!(!checkbox("off"));
    }

    #[test]
    fn area_codes_are_three_digits_each_once() {
        assert_eq!(area_codes("312, 773 312").unwrap(), vec![312, 773]);
        assert_eq!(area_codes(" ").unwrap(), Vec::<i32>::new());
        assert_eq!(area_codes("312, 12").unwrap_err(), "\"12\" is not a 3-digit area code.");
        assert!(area_codes("99a").is_err());
    }
}
