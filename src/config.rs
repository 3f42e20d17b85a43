//! Settings, from command-line flags or `LINLI_*` environment variables
//! (flags win), with defaults that need no set-up. See README "Configuration".

use std::net::SocketAddr;

use clap::Args;

/// Settings shared by every subcommand that touches the database.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Where the data lives: `sqlite://FILE` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "LINLI_DATABASE_URL", default_value = "sqlite://linli.db", global = true)]
    pub database_url: String,

    /// Largest number of pooled database connections (SQLite readers, or PostgreSQL connections).
    #[arg(long, env = "LINLI_DB_MAX_CONNECTIONS", default_value_t = 16, global = true)]
    pub db_max_connections: u32,
}

/// Settings of the web server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "LINLI_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    pub listen: SocketAddr,

    /// Do not load the demo data into an empty database.
    #[arg(long, env = "LINLI_NO_DEMO", global = true)]
    pub no_demo: bool,

    /// The address people reach this server at (printed, and used in QR codes).
    /// Defaults to http://LISTEN.
    #[arg(long, env = "LINLI_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    #[command(flatten)]
    pub cases: CaseSettings,

    #[command(flatten)]
    pub channels: ChannelSettings,

    #[command(flatten)]
    pub wecom: WecomSettings,

    #[command(flatten)]
    pub notify: NotifySettings,

    #[command(flatten)]
    pub limits: LimitSettings,

    #[command(flatten)]
    pub privacy: PrivacySettings,
}

/// Abuse limits on what needs no account.
#[derive(Debug, Clone, Args)]
pub struct LimitSettings {
    /// Anonymous writes (reports, chat posts, uploads) a minute from one address.
    #[arg(
        long = "rate-anonymous-per-minute",
        env = "LINLI_RATE_ANONYMOUS_PER_MINUTE",
        default_value_t = 20,
        global = true
    )]
    pub anonymous_per_minute: u32,
    /// Anonymous writes a minute at one building, from everyone together.
    #[arg(
        long = "rate-building-per-minute",
        env = "LINLI_RATE_BUILDING_PER_MINUTE",
        default_value_t = 60,
        global = true
    )]
    pub building_per_minute: u32,
    /// Sign-in attempts a minute per username (twice that per address).
    #[arg(long = "rate-login-per-minute", env = "LINLI_RATE_LOGIN_PER_MINUTE", default_value_t = 10, global = true)]
    pub login_per_minute: u32,
    /// Trust the first X-Forwarded-For address (only behind a proxy that sets it).
    #[arg(long = "behind-proxy", env = "LINLI_BEHIND_PROXY", global = true)]
    pub behind_proxy: bool,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings { anonymous_per_minute: 20, building_per_minute: 60, login_per_minute: 10, behind_proxy: false }
    }
}

/// Personal data.
#[derive(Debug, Clone, Args)]
pub struct PrivacySettings {
    /// Days after a case closes that its reporters' names, phones and
    /// e-mails are erased (the case and its statistics stay).
    #[arg(long = "retention-days", env = "LINLI_RETENTION_DAYS", default_value_t = 730, global = true)]
    pub retention_days: u32,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        PrivacySettings { retention_days: 730 }
    }
}

/// Building chat channels.
#[derive(Debug, Clone, Args)]
pub struct ChannelSettings {
    /// A chat message triaged as a report with at least this confidence (0–1)
    /// becomes a case at once; below it, a proposed case waits for a
    /// micro-grid member or grid head to confirm it.
    #[arg(long = "chat-auto-confidence", env = "LINLI_CHAT_AUTO_CONFIDENCE", default_value_t = 0.8, global = true)]
    pub auto_confidence: f64,
}

impl Default for ChannelSettings {
    fn default() -> Self {
        ChannelSettings { auto_confidence: 0.8 }
    }
}

/// The WeCom (企业微信) self-built app whose callback linli receives. Without
/// token, key and corp id, `/connect/wecom/callback` answers 404.
#[derive(Clone, Args, Default)]
pub struct WecomSettings {
    /// The callback Token.
    #[arg(long = "wecom-token", env = "LINLI_WECOM_TOKEN", global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// The 43-character EncodingAESKey.
    #[arg(long = "wecom-aes-key", env = "LINLI_WECOM_AES_KEY", global = true, hide_env_values = true)]
    pub aes_key: Option<String>,
    /// The corp id (the receive id messages must carry).
    #[arg(long = "wecom-corp-id", env = "LINLI_WECOM_CORP_ID", global = true)]
    pub corp_id: Option<String>,
    /// The community (code or name) within which messages from unmapped
    /// senders are located by their text.
    #[arg(long = "wecom-community", env = "LINLI_WECOM_COMMUNITY", global = true)]
    pub community: Option<String>,
}

impl std::fmt::Debug for WecomSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WecomSettings")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("aes_key", &self.aes_key.as_ref().map(|_| "***"))
            .field("corp_id", &self.corp_id)
            .field("community", &self.community)
            .finish()
    }
}

/// Outbound notifications beyond the in-app list.
#[derive(Clone, Args)]
pub struct NotifySettings {
    /// SMTP server for e-mail notifications: `smtp://host:25`,
    /// `smtp://user:pass@host:587?tls=required` or `smtps://user:pass@host:465`.
    /// Without it, no e-mail is sent.
    #[arg(long = "smtp-url", env = "LINLI_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The From mailbox of notification e-mails.
    #[arg(long = "smtp-from", env = "LINLI_SMTP_FROM", default_value = "邻里 linli <linli@localhost>", global = true)]
    pub smtp_from: String,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings { smtp_url: None, smtp_from: "邻里 linli <linli@localhost>".to_string() }
    }
}

impl std::fmt::Debug for NotifySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifySettings")
            .field("smtp_url", &self.smtp_url.as_deref().map(crate::db::redact_url))
            .field("smtp_from", &self.smtp_from)
            .finish()
    }
}

/// How cases are handled.
#[derive(Debug, Clone, Args)]
pub struct CaseSettings {
    /// Register and dispatch a located, categorised report at once unless it
    /// looks like a duplicate (`false`: staff register every report by hand).
    #[arg(long, env = "LINLI_AUTO_DISPATCH", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub auto_dispatch: bool,

    /// A report of the same category at the same building within this many
    /// hours of an open case is flagged as a likely duplicate.
    #[arg(long, env = "LINLI_DUPLICATE_WINDOW_HOURS", default_value_t = 48, global = true)]
    pub duplicate_window_hours: u32,

    /// …or within this many metres of it, for reports located by coordinates.
    #[arg(long, env = "LINLI_DUPLICATE_DISTANCE_M", default_value_t = 50.0, global = true)]
    pub duplicate_distance_m: f64,

    /// Whether suspended (缓办) cases leave the denominators of the indicators.
    #[arg(long, env = "LINLI_SUSPENDED_LEAVE_DENOMINATOR", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub suspended_leave_denominator: bool,

    /// How often the background worker looks for due timers and unsent
    /// notifications, in milliseconds.
    #[arg(long, env = "LINLI_WORKER_INTERVAL_MS", default_value_t = 1000, global = true)]
    pub worker_interval_ms: u64,

    /// Largest accepted photo upload, in bytes.
    #[arg(long, env = "LINLI_MAX_UPLOAD_BYTES", default_value_t = 10 * 1024 * 1024, global = true)]
    pub max_upload_bytes: usize,
}

impl Default for CaseSettings {
    fn default() -> Self {
        CaseSettings {
            auto_dispatch: true,
            duplicate_window_hours: 48,
            duplicate_distance_m: 50.0,
            suspended_leave_denominator: true,
            worker_interval_ms: 1000,
            max_upload_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Everything the server is built from. Tests construct it directly.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub db_max_connections: u32,
    /// Load the demo data when the database is empty.
    pub load_demo: bool,
    pub public_url: Option<String>,
    pub cases: CaseSettings,
    pub channels: ChannelSettings,
    pub wecom: WecomSettings,
    pub notify: NotifySettings,
    pub limits: LimitSettings,
    pub privacy: PrivacySettings,
}

impl Config {
    pub fn new(db: &DatabaseArgs, serve: &ServeArgs) -> Config {
        Config {
            database_url: db.database_url.clone(),
            db_max_connections: db.db_max_connections,
            load_demo: !serve.no_demo,
            public_url: serve.public_url.clone(),
            cases: serve.cases.clone(),
            channels: serve.channels.clone(),
            wecom: serve.wecom.clone(),
            notify: serve.notify.clone(),
            limits: serve.limits.clone(),
            privacy: serve.privacy.clone(),
        }
    }

    /// A configuration for a database URL with every other setting at its default.
    pub fn for_database(database_url: &str) -> Config {
        Config {
            database_url: database_url.to_string(),
            db_max_connections: 16,
            load_demo: true,
            public_url: None,
            cases: CaseSettings::default(),
            channels: ChannelSettings::default(),
            wecom: WecomSettings::default(),
            notify: NotifySettings::default(),
            limits: LimitSettings::default(),
            privacy: PrivacySettings::default(),
        }
    }

    pub fn pool_settings(&self) -> crate::db::PoolSettings {
        crate::db::PoolSettings { max_connections: self.db_max_connections, ..Default::default() }
    }
}
