//! How the simulator behaves: its account, its rates and delays, read from `SIMULATOR_*`.

use super::{DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN};
use crate::twilio::MessageStatus;
use std::{fmt, time::Duration};

/// How a message fails after Twilio took it, with the error code that comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryFailure {
    /// 30003: the handset is off or out of coverage.
    Unreachable,
    /// 30006: a landline, or a carrier that does not take texts.
    Landline,
    /// 30007: the carrier filtered the message.
    Filtered,
    /// 21610: the contact texted STOP to this sender before.
    OptedOut,
    /// 21614: not a mobile number.
    NotMobile,
}

impl DeliveryFailure {
    pub const ALL: [DeliveryFailure; 5] = [
        DeliveryFailure::Unreachable,
        DeliveryFailure::Landline,
        DeliveryFailure::Filtered,
        DeliveryFailure::OptedOut,
        DeliveryFailure::NotMobile,
    ];

    pub fn error_code(self) -> i64 {
        match self {
            DeliveryFailure::Unreachable => 30003,
            DeliveryFailure::Landline => 30006,
            DeliveryFailure::Filtered => 30007,
            DeliveryFailure::OptedOut => 21610,
            DeliveryFailure::NotMobile => 21614,
        }
    }

    pub fn from_code(code: i64) -> Option<DeliveryFailure> {
        DeliveryFailure::ALL.into_iter().find(|f| f.error_code() == code)
    }

    /// Carriers turn a message away after it left Twilio ("undelivered", after "sent");
    /// Twilio's own refusals stop it before it leaves ("failed", never "sent").
    pub fn status(self) -> MessageStatus {
        match self {
            DeliveryFailure::Unreachable | DeliveryFailure::Landline | DeliveryFailure::Filtered => {
                MessageStatus::Undelivered
            }
            DeliveryFailure::OptedOut | DeliveryFailure::NotMobile => MessageStatus::Failed,
        }
    }
}

/// How the simulator behaves. `Default` delivers everything quickly and never replies.
#[derive(Clone)]
pub struct SimulatorConfig {
    pub account_sid: String,
    pub auth_token: String,
    /// Seeds every random choice: SIDs, outcomes, replies.
    pub seed: u64,
    /// Before a message's first callback, and between its callbacks.
    pub status_delay: Duration,
    /// The chance of each failure, per message; the rest are delivered. At most 1 in all.
    pub failure_rates: Vec<(DeliveryFailure, f64)>,
    /// The chance that a message's callbacks are each posted twice.
    pub duplicate_rate: f64,
    /// The chance that a message's callbacks are posted last first.
    pub reorder_rate: f64,
    /// Where replies go when our number has no SmsUrl of its own.
    pub inbound_url: Option<String>,
    /// The chance that a delivered message gets a reply.
    pub reply_rate: f64,
    /// After delivery, before the reply.
    pub reply_delay: Duration,
    /// Replies are drawn from these.
    pub reply_bodies: Vec<String>,
    /// (public prefix, actual prefix): a webhook for a URL under the public prefix is posted
    /// under the actual one instead, still signed over the public URL, as it reaches an app
    /// behind a proxy. An app under test keeps its public base URL this way.
    pub rewrites: Vec<(String, String)>,
    /// Twilio's default opt-out handling: the carrier itself answers STOP, START and HELP, and
    /// refuses sends to a contact who texted STOP with 21610 until START (Twilio support,
    /// "Twilio support for opt-out keywords (SMS STOP filtering)"). Off, as on an account whose
    /// opt-out handling is turned off: the app answers and keeps the opt-outs alone.
    pub answers_keywords: bool,
}

impl Default for SimulatorConfig {
    fn default() -> SimulatorConfig {
        SimulatorConfig {
            account_sid: DEFAULT_ACCOUNT_SID.into(),
            auth_token: DEFAULT_AUTH_TOKEN.into(),
            seed: 0,
            status_delay: Duration::from_millis(10),
            failure_rates: Vec::new(),
            duplicate_rate: 0.0,
            reorder_rate: 0.0,
            inbound_url: None,
            reply_rate: 0.0,
            reply_delay: Duration::from_millis(50),
            reply_bodies: ["STOP", "Yes, I'll be there!", "Who is this?", "Not interested, thanks."]
                .map(String::from)
                .to_vec(),
            rewrites: Vec::new(),
            answers_keywords: true,
        }
    }
}

impl fmt::Debug for SimulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"***")
            .field("seed", &self.seed)
            .field("status_delay", &self.status_delay)
            .field("failure_rates", &self.failure_rates)
            .field("duplicate_rate", &self.duplicate_rate)
            .field("reorder_rate", &self.reorder_rate)
            .field("inbound_url", &self.inbound_url)
            .field("reply_rate", &self.reply_rate)
            .field("reply_delay", &self.reply_delay)
            .field("reply_bodies", &self.reply_bodies)
            .field("rewrites", &self.rewrites)
            .field("answers_keywords", &self.answers_keywords)
            .finish()
    }
}

impl SimulatorConfig {
    /// Reads `SIMULATOR_*` variables through `var` (`|name| std::env::var(name).ok()`), over
    /// the defaults: ACCOUNT_SID, AUTH_TOKEN, SEED, STATUS_DELAY_MS, INBOUND_URL, REPLY_RATE,
    /// REPLY_DELAY_MS, REPLY_BODIES ("|"-separated), DUPLICATE_RATE, REORDER_RATE,
    /// FAIL_RATE_30003 (and _30006, _30007, _21610, _21614), REWRITE ("public=actual"),
    /// ANSWERS_KEYWORDS (1 or 0).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<SimulatorConfig, String> {
        let var =
            |name: &str| var(&format!("SIMULATOR_{name}")).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let parse = |name: &str| -> Result<Option<f64>, String> {
            var(name)
                .map(|v| v.parse::<f64>().map_err(|_| format!("SIMULATOR_{name} is not a number: {v:?}")))
                .transpose()
        };
        let millis = |name: &str| -> Result<Option<Duration>, String> {
            var(name)
                .map(|v| {
                    v.parse::<u64>()
                        .map(Duration::from_millis)
                        .map_err(|_| format!("SIMULATOR_{name} is not a whole number of milliseconds: {v:?}"))
                })
                .transpose()
        };
        let mut config = SimulatorConfig::default();
        if let Some(sid) = var("ACCOUNT_SID") {
            config.account_sid = sid;
        }
        if let Some(token) = var("AUTH_TOKEN") {
            config.auth_token = token;
        }
        // Without a seed each start draws a fresh one: the app's database outlives the
        // simulator, and a restarted simulator repeating the last run's SIDs would collide with
        // the messages already recorded under them.
        config.seed = match var("SEED") {
            Some(seed) => seed.parse().map_err(|_| format!("SIMULATOR_SEED is not a whole number: {seed:?}"))?,
            None => rand::random(),
        };
        config.status_delay = millis("STATUS_DELAY_MS")?.unwrap_or(config.status_delay);
        config.reply_delay = millis("REPLY_DELAY_MS")?.unwrap_or(config.reply_delay);
        config.inbound_url = var("INBOUND_URL");
        config.reply_rate = parse("REPLY_RATE")?.unwrap_or(config.reply_rate);
        config.duplicate_rate = parse("DUPLICATE_RATE")?.unwrap_or(0.0);
        config.reorder_rate = parse("REORDER_RATE")?.unwrap_or(0.0);
        if let Some(bodies) = var("REPLY_BODIES") {
            config.reply_bodies =
                bodies.split('|').map(str::trim).filter(|b| !b.is_empty()).map(String::from).collect();
        }
        for failure in DeliveryFailure::ALL {
            if let Some(rate) = parse(&format!("FAIL_RATE_{}", failure.error_code()))? {
                config.failure_rates.push((failure, rate));
            }
        }
        if let Some(answers) = var("ANSWERS_KEYWORDS") {
            config.answers_keywords = match answers.as_str() {
                "1" | "true" | "on" => true,
                "0" | "false" | "off" => false,
                other => return Err(format!("SIMULATOR_ANSWERS_KEYWORDS is 1 or 0, not {other:?}")),
            };
        }
        if let Some(rewrite) = var("REWRITE") {
            let (public, actual) = rewrite
                .split_once('=')
                .ok_or("SIMULATOR_REWRITE must look like https://public.example=http://127.0.0.1:3000")?;
            config.rewrites.push((public.trim().to_string(), actual.trim().to_string()));
        }
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.account_sid.is_empty() || !self.account_sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err("the simulator's account SID must be letters and digits".into());
        }
        if self.auth_token.is_empty() {
            return Err("the simulator's auth token is empty".into());
        }
        let rates =
            self.failure_rates.iter().map(|(f, rate)| (format!("failure rate {}", f.error_code()), *rate)).chain([
                ("duplicate rate".into(), self.duplicate_rate),
                ("reorder rate".into(), self.reorder_rate),
                ("reply rate".into(), self.reply_rate),
            ]);
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("the {name} must be between 0 and 1, not {rate}"));
            }
        }
        let failing: f64 = self.failure_rates.iter().map(|(_, rate)| rate).sum();
        if failing > 1.0 + 1e-9 {
            return Err(format!("the failure rates add up to {failing}, more than 1"));
        }
        if self.reply_rate > 0.0 && self.reply_bodies.is_empty() {
            return Err("replies are on but there are no reply bodies".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn configuration_is_read_from_the_environment() {
        let env: HashMap<&str, &str> = [
            ("SIMULATOR_ACCOUNT_SID", "ACdev"),
            ("SIMULATOR_SEED", "42"),
            ("SIMULATOR_STATUS_DELAY_MS", "250"),
            ("SIMULATOR_FAIL_RATE_30007", "0.1"),
            ("SIMULATOR_FAIL_RATE_21610", "0.05"),
            ("SIMULATOR_REPLY_RATE", "0.5"),
            ("SIMULATOR_REPLY_BODIES", "STOP | Sure!"),
            ("SIMULATOR_INBOUND_URL", "http://127.0.0.1:3000/webhooks/twilio/inbound"),
            ("SIMULATOR_REWRITE", "https://p2p.example=http://127.0.0.1:3000"),
        ]
        .into();
        let config = SimulatorConfig::from_env(|name| env.get(name).map(|v| v.to_string())).unwrap();
        assert_eq!(config.account_sid, "ACdev");
        assert_eq!(config.auth_token, DEFAULT_AUTH_TOKEN);
        assert_eq!(config.seed, 42);
        let unseeded = |_: &str| None::<String>;
        let draws: std::collections::HashSet<u64> =
            (0..4).map(|_| SimulatorConfig::from_env(unseeded).unwrap().seed).collect();
        assert!(draws.len() > 1, "without SIMULATOR_SEED every start must draw its own seed");
        assert_eq!(config.status_delay, Duration::from_millis(250));
        assert_eq!(config.failure_rates, vec![(DeliveryFailure::Filtered, 0.1), (DeliveryFailure::OptedOut, 0.05)]);
        assert_eq!(config.reply_bodies, vec!["STOP", "Sure!"]);
        assert_eq!(config.rewrites, vec![("https://p2p.example".to_string(), "http://127.0.0.1:3000".to_string())]);

        let bad = |name: &'static str, value: &'static str| {
            SimulatorConfig::from_env(move |n| (n == name).then(|| value.to_string())).unwrap_err()
        };
        assert!(bad("SIMULATOR_REPLY_RATE", "1.5").contains("between 0 and 1"));
        assert!(bad("SIMULATOR_SEED", "x").contains("SIMULATOR_SEED"));
        assert!(bad("SIMULATOR_FAIL_RATE_30003", "often").contains("not a number"));
        let both = SimulatorConfig {
            failure_rates: vec![(DeliveryFailure::Unreachable, 0.7), (DeliveryFailure::Landline, 0.7)],
            ..SimulatorConfig::default()
        };
        assert!(both.validate().unwrap_err().contains("more than 1"));
    }

    #[test]
    fn the_auth_token_stays_out_of_debug_output() {
        let config = SimulatorConfig { auth_token: "hush-hush".into(), ..SimulatorConfig::default() };
        assert!(!format!("{config:?}").contains("hush-hush"));
    }
}
