use crate::domain::org_time::OrgTimeZone;
use crate::domain::phone::Region;
use crate::domain::texting_window::TextingWindow;
use crate::error::AppError;
use crate::model::settings::TextingSettings;
use sqlx::PgPool;
use uuid::Uuid;

/// `texting_settings` with the organization's region, as stored.
#[derive(sqlx::FromRow)]
struct SettingsRow {
    window_start: String,
    window_end: String,
    default_time_zone: String,
    batch_size: i32,
    preferred_area_codes: Vec<i32>,
    contact_fallback_name: String,
    sender_fallback_name: String,
    outbound_lock: bool,
    disable_custom_responses: bool,
    sms_segment_price_micros: i64,
    mms_price_micros: i64,
    carrier_fee_micros: i64,
    number_monthly_price_micros: i64,
    default_region: String,
    help_reply: String,
    state_rules: bool,
}

impl SettingsRow {
    /// Saved values were parsed on the way in; one that no longer parses is an error, never a
    /// silent default (a default window could text people at hours the organization ruled out).
    fn parse(self) -> Result<TextingSettings, AppError> {
        Ok(TextingSettings {
            window: TextingWindow::parse(&self.window_start, &self.window_end)
                .map_err(|e| AppError::stored("texting_settings window", e))?,
            default_time_zone: OrgTimeZone::parse(&self.default_time_zone)
                .map_err(|e| AppError::stored("texting_settings.default_time_zone", e))?,
            batch_size: self.batch_size,
            preferred_area_codes: self.preferred_area_codes,
            contact_fallback_name: self.contact_fallback_name,
            sender_fallback_name: self.sender_fallback_name,
            outbound_lock: self.outbound_lock,
            disable_custom_responses: self.disable_custom_responses,
            sms_segment_price_micros: self.sms_segment_price_micros,
            mms_price_micros: self.mms_price_micros,
            carrier_fee_micros: self.carrier_fee_micros,
            number_monthly_price_micros: self.number_monthly_price_micros,
            default_region: Region::parse(&self.default_region)
                .map_err(|e| AppError::stored("organizations.default_region", e))?,
            help_reply: self.help_reply,
            state_rules: self.state_rules,
        })
    }
}

const SELECT: &str = r#"select to_char(s.window_start, 'HH24:MI') as window_start, to_char(s.window_end, 'HH24:MI') as window_end,
       s.default_time_zone, s.batch_size, s.preferred_area_codes, s.contact_fallback_name, s.sender_fallback_name,
       s.outbound_lock, s.disable_custom_responses, s.sms_segment_price_micros, s.mms_price_micros, s.carrier_fee_micros,
       s.number_monthly_price_micros, o.default_region, s.help_reply, s.state_rules_off_at is null as state_rules
from texting_settings s join organizations o on o.id = s.organization_id
where s.organization_id = $1"#;

async fn select(conn: &mut sqlx::PgConnection, org_id: Uuid) -> Result<TextingSettings, AppError> {
    sqlx::query_as::<_, SettingsRow>(SELECT).bind(org_id).fetch_one(conn).await?.parse()
}

/// The organization's settings; the defaults until an admin saves them.
pub async fn get(db: &PgPool, org_id: Uuid) -> Result<TextingSettings, AppError> {
    get_in(&mut *db.acquire().await?, org_id).await
}

/// The same on a connection already in hand, e.g. inside a transaction that holds row locks:
/// asking the pool for a second connection there can wait on the very requests queued behind
/// those locks.
pub async fn get_in(conn: &mut sqlx::PgConnection, org_id: Uuid) -> Result<TextingSettings, AppError> {
    // One read on the common path (every send and the outbox ask); the defaults row is
    // written only the first time.
    if let Some(row) = sqlx::query_as::<_, SettingsRow>(SELECT).bind(org_id).fetch_optional(&mut *conn).await? {
        return row.parse();
    }
    sqlx::query("insert into texting_settings (organization_id) values ($1) on conflict do nothing")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    select(conn, org_id).await
}

pub async fn save(db: &PgPool, org_id: Uuid, s: &TextingSettings) -> Result<TextingSettings, AppError> {
    let mut tx = db.begin().await?;
    sqlx::query(
        r#"insert into texting_settings (organization_id, window_start, window_end, default_time_zone, batch_size,
               preferred_area_codes, contact_fallback_name, sender_fallback_name, outbound_lock, disable_custom_responses,
               sms_segment_price_micros, mms_price_micros, carrier_fee_micros, number_monthly_price_micros, help_reply)
           values ($1, $2::time, $3::time, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
           on conflict (organization_id) do update set
               window_start = excluded.window_start, window_end = excluded.window_end,
               default_time_zone = excluded.default_time_zone, batch_size = excluded.batch_size,
               preferred_area_codes = excluded.preferred_area_codes,
               contact_fallback_name = excluded.contact_fallback_name, sender_fallback_name = excluded.sender_fallback_name,
               outbound_lock = excluded.outbound_lock, disable_custom_responses = excluded.disable_custom_responses,
               sms_segment_price_micros = excluded.sms_segment_price_micros, mms_price_micros = excluded.mms_price_micros,
               carrier_fee_micros = excluded.carrier_fee_micros, number_monthly_price_micros = excluded.number_monthly_price_micros,
               help_reply = excluded.help_reply"#,
    )
    .bind(org_id)
    .bind(s.window.start())
    .bind(s.window.end())
    .bind(s.default_time_zone.name())
    .bind(s.batch_size)
    .bind(&s.preferred_area_codes)
    .bind(&s.contact_fallback_name)
    .bind(&s.sender_fallback_name)
    .bind(s.outbound_lock)
    .bind(s.disable_custom_responses)
    .bind(s.sms_segment_price_micros)
    .bind(s.mms_price_micros)
    .bind(s.carrier_fee_micros)
    .bind(s.number_monthly_price_micros)
    .bind(&s.help_reply)
    .execute(&mut *tx)
    .await?;
    sqlx::query("update organizations set default_region = $2 where id = $1")
        .bind(org_id)
        .bind(s.default_region.as_str())
        .execute(&mut *tx)
        .await?;
    let saved = select(&mut tx, org_id).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Whether state rules apply, and if an admin turned them off, who and when.
pub struct StateRulesStatus {
    pub off_at: Option<chrono::DateTime<chrono::Utc>>,
    pub off_by: Option<String>,
    pub default_time_zone: OrgTimeZone,
}

pub async fn state_rules(db: &PgPool, org_id: Uuid) -> Result<StateRulesStatus, AppError> {
    let mut conn = db.acquire().await?;
    let default_time_zone = get_in(&mut conn, org_id).await?.default_time_zone;
    let (off_at, off_by) = sqlx::query_as(
        r#"select s.state_rules_off_at, u.display_name
           from texting_settings s left join users u on u.id = s.state_rules_off_by
           where s.organization_id = $1"#,
    )
    .bind(org_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(StateRulesStatus { off_at, off_by, default_time_zone })
}

/// Turns state rules on, or off as `user_id` at `now` (the caller has checked the
/// acknowledgement). Turning them off again keeps the first acknowledgement.
pub async fn set_state_rules(
    db: &PgPool,
    org_id: Uuid,
    user_id: Uuid,
    on: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<StateRulesStatus, AppError> {
    sqlx::query("insert into texting_settings (organization_id) values ($1) on conflict do nothing")
        .bind(org_id)
        .execute(db)
        .await?;
    sqlx::query(
        r#"update texting_settings set
               state_rules_off_at = case when $2 then null else coalesce(state_rules_off_at, $4) end,
               state_rules_off_by = case when $2 then null when state_rules_off_at is null then $3 else state_rules_off_by end
           where organization_id = $1"#,
    )
    .bind(org_id)
    .bind(on)
    .bind(user_id)
    .bind(now)
    .execute(db)
    .await?;
    state_rules(db, org_id).await
}
