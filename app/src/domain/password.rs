/// A password someone chose. Only length is enforced: long passphrases beat composition rules,
/// and the upper bound keeps hashing cost bounded.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN: usize = 8;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<NewPassword, String> {
        let len = raw.chars().count();
        if len < Self::MIN {
            return Err(format!("Use at least {} characters for your password.", Self::MIN));
        }
        if len > Self::MAX {
            return Err(format!("Use at most {} characters for your password.", Self::MAX));
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

// Never print a password, not even in debug logs.
impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("long enough").is_ok());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        assert_eq!(format!("{:?}", NewPassword::parse("secret-pass").unwrap()), "NewPassword(***)");
    }
}
