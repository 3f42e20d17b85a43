//! Storage of channel messages.

use serde::Serialize;

use crate::db::{Db, On, Tx, query, query_dyn};
use crate::error::{Error, Result};
use crate::triage::Triage;

crate::text_enum! {
    /// Who wrote a message.
    pub enum AuthorKind {
        Resident = "resident",
        Staff = "staff",
        System = "system",
        Bridge = "bridge",
        Wecom = "wecom",
    }
}

crate::text_enum! {
    /// How a message arrived.
    pub enum Origin {
        Web = "web",
        Webhook = "webhook",
        Wecom = "wecom",
        System = "system",
    }
}

crate::text_enum! {
    /// What became of a report in a channel.
    pub enum CaseState {
        /// A case waits at step 1 for a person to confirm it.
        Proposed = "proposed",
        /// It is a registered case.
        Registered = "registered",
        /// A person decided it is not a case.
        Dismissed = "dismissed",
        /// A report whose building could not be told; staff place it.
        Unlocated = "unlocated",
    }
}

crate::db_row! {
    #[derive(Debug, Clone, Serialize)]
    pub struct ChannelMessage {
        pub id: i64,
        #[serde(skip)]
        pub building_id: Option<i64>,
        #[serde(skip)]
        pub node_id: i64,
        pub author_kind: AuthorKind,
        #[serde(skip)]
        pub author_person_id: Option<i64>,
        pub author_name: String,
        pub text: String,
        pub source: Origin,
        #[serde(skip)]
        pub external_id: Option<String>,
        #[serde(skip)]
        pub triage: Option<String>,
        pub case_id: Option<i64>,
        pub case_state: Option<CaseState>,
        pub created_at: i64,
    }
}

impl ChannelMessage {
    /// The triage stored with the message.
    pub fn triage_result(&self) -> Option<Triage> {
        self.triage.as_deref().and_then(|t| serde_json::from_str(t).ok())
    }
}

const COLUMNS: &str = "id, building_id, node_id, author_kind, author_person_id, author_name, text, source, external_id,
    triage, case_id, case_state, created_at";

pub struct NewMessage {
    pub building_id: Option<i64>,
    pub node_id: i64,
    pub author_kind: AuthorKind,
    pub author_person_id: Option<i64>,
    pub author_name: String,
    pub text: String,
    pub origin: Origin,
    pub external_id: Option<String>,
    pub triage: Option<String>,
    pub case_id: Option<i64>,
    pub case_state: Option<CaseState>,
}

pub async fn insert(tx: &mut Tx, m: &NewMessage, now: i64) -> Result<i64> {
    Ok(query(
        "INSERT INTO channel_messages (building_id, node_id, author_kind, author_person_id, author_name, text, source,
                                       external_id, triage, case_id, case_state, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(m.building_id)
    .bind(m.node_id)
    .bind(m.author_kind)
    .bind(m.author_person_id)
    .bind(&m.author_name)
    .bind(&m.text)
    .bind(m.origin)
    .bind(m.external_id.as_ref())
    .bind(m.triage.as_ref())
    .bind(m.case_id)
    .bind(m.case_state.map(CaseState::code))
    .bind(now)
    .scalar(tx)
    .await?)
}

/// Posts linli's own line (case progress) into a building's channel.
pub async fn insert_system(
    tx: &mut Tx,
    building_id: i64,
    node_id: i64,
    case_id: i64,
    text: &str,
    now: i64,
) -> Result<()> {
    let m = NewMessage {
        building_id: Some(building_id),
        node_id,
        author_kind: AuthorKind::System,
        author_person_id: None,
        author_name: "邻里".into(),
        text: text.to_string(),
        origin: Origin::System,
        external_id: None,
        triage: None,
        case_id: Some(case_id),
        case_state: None,
    };
    insert(tx, &m, now).await.map(|_| ())
}

pub async fn by_id<'a>(on: impl Into<On<'a>>, id: i64) -> Result<ChannelMessage> {
    query_dyn(format!("SELECT {COLUMNS} FROM channel_messages WHERE id = $1"))
        .bind(id)
        .fetch_optional(on)
        .await?
        .ok_or_else(|| Error::not_found("message", id.to_string()))
}

pub async fn by_external_id(db: &Db, origin: Origin, external_id: &str) -> Result<Option<ChannelMessage>> {
    Ok(query_dyn(format!("SELECT {COLUMNS} FROM channel_messages WHERE source = $1 AND external_id = $2"))
        .bind(origin)
        .bind(external_id)
        .fetch_optional(db)
        .await?)
}

/// A building's messages after `after_id`, oldest first.
pub async fn of_building(db: &Db, building_id: i64, after_id: i64, limit: i64) -> Result<Vec<ChannelMessage>> {
    Ok(query_dyn(format!(
        "SELECT {COLUMNS} FROM channel_messages WHERE building_id = $1 AND id > $2 ORDER BY id DESC LIMIT $3"
    ))
    .bind(building_id)
    .bind(after_id)
    .bind(limit)
    .fetch_all(db)
    .await
    .map(|mut v: Vec<ChannelMessage>| {
        v.reverse();
        v
    })?)
}

/// Ties a message to the case it became.
pub async fn link_case(tx: &mut Tx, id: i64, case_id: i64, state: CaseState) -> Result<()> {
    query("UPDATE channel_messages SET case_id = $1, case_state = $2 WHERE id = $3")
        .bind(case_id)
        .bind(state)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn set_case_state(db: &Db, id: i64, state: CaseState) -> Result<()> {
    query("UPDATE channel_messages SET case_state = $1 WHERE id = $2").bind(state).bind(id).execute(db).await?;
    Ok(())
}
