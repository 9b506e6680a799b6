use std::net::SocketAddr;

/// Settings read from the environment once at start-up (see the README for each variable).
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the HTTP server listens.
    pub bind: SocketAddr,
    /// The address people and Twilio reach us at. Links (join, invite) and webhook signatures
    /// are built from it, never from the request's Host header.
    pub public_base_url: String,
    /// Key material for signing session cookies; `None` means "generate one and keep it in
    /// the database", so restarts and several processes agree.
    pub session_secret: Option<String>,
    /// Real Twilio when set; the local carrier simulator otherwise.
    pub twilio: Option<TwilioCredentials>,
}

#[derive(Clone)]
pub struct TwilioCredentials {
    pub account_sid: String,
    pub auth_token: String,
    pub api_base: String,
    /// Messaging Services live on their own host at Twilio.
    pub messaging_base: String,
    /// Where texts go out from until per-action number pools exist: a Messaging Service, or
    /// else one number.
    pub messaging_service_sid: Option<String>,
    pub from_number: Option<String>,
}

// The auth token is a secret: keep it out of logs.
impl std::fmt::Debug for TwilioCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioCredentials")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"***")
            .field("api_base", &self.api_base)
            .field("messaging_base", &self.messaging_base)
            .field("messaging_service_sid", &self.messaging_service_sid)
            .field("from_number", &self.from_number)
            .finish()
    }
}

impl Config {
    /// Reads the configuration from environment variables, with defaults for local use.
    pub fn from_env() -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let bind: SocketAddr = var("BIND_ADDRESS")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| format!("BIND_ADDRESS is not a socket address like 127.0.0.1:3000: {e}"))?;
        let public_base_url =
            var("PUBLIC_BASE_URL").unwrap_or_else(|| format!("http://{bind}")).trim_end_matches('/').to_string();
        if !(public_base_url.starts_with("http://") || public_base_url.starts_with("https://")) {
            return Err("PUBLIC_BASE_URL must start with http:// or https://".into());
        }
        let session_secret = var("SESSION_SECRET");
        if let Some(secret) = &session_secret {
            if secret.len() < 32 {
                return Err("SESSION_SECRET must be at least 32 characters long".into());
            }
        }
        let twilio = match (var("TWILIO_ACCOUNT_SID"), var("TWILIO_AUTH_TOKEN")) {
            (Some(account_sid), Some(auth_token)) => Some(TwilioCredentials {
                account_sid,
                auth_token,
                api_base: var("TWILIO_API_BASE").unwrap_or_else(|| "https://api.twilio.com".into()),
                messaging_base: var("TWILIO_MESSAGING_BASE").unwrap_or_else(|| "https://messaging.twilio.com".into()),
                messaging_service_sid: var("TWILIO_MESSAGING_SERVICE_SID"),
                from_number: var("TWILIO_FROM_NUMBER"),
            }),
            (None, None) => None,
            _ => return Err("set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither".into()),
        };
        Ok(Config { bind, public_base_url, session_secret, twilio })
    }

    /// Cookies are marked Secure exactly when people reach us over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }

    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.public_base_url, path)
    }
}
