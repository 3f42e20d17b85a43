//! 亮身份 done right: a grid worker's work phone is published in full (the
//! notice board, the building page, the directory and the work-card check)
//! only while they agree to it, so residents can call the people the board
//! introduces. Consent is kept per person as an append-only history; the
//! latest row is the current value, and no row means "not published".
//!
//! Who may be published is a rule of the role shown, not of the setting: a
//! resident's or party member's phone never shows in full, whatever is on
//! record, because they are not grid workers.

use serde::Serialize;

use super::Role;
use crate::auth::PersonActor;
use crate::db::{Db, On, Tx, query};
use crate::error::{Error, Result};

/// Whether the work phone of someone holding `role` may be published.
///
/// Micro-grid members and grid heads: the notice board exists to introduce
/// them ("微网格员是谁、网格长是谁、有事找谁"). Community staff may opt in:
/// they carry work cards and visit homes, so the card's check page can then
/// give their number; but the public line of the community is its office
/// (居委会) phone, which every view already shows, so theirs is off unless
/// they ask. Everyone else (residents, party members as such, property
/// staff, department officers, the command centre, administrators) is
/// reached through an organisation's or office's public line instead.
pub fn may_publish(role: Role) -> bool {
    matches!(role, Role::MicroGridMember | Role::GridHead | Role::CommunityStaff)
}

/// Whether taking up `role` publishes the work phone unless the person says
/// otherwise: the grid roles whose whole point is to be called.
pub fn on_by_default(role: Role) -> bool {
    matches!(role, Role::MicroGridMember | Role::GridHead)
}

/// What to record when `role` is given to someone whose latest consent is
/// `current`: "published" by default for a grid role if nothing is on
/// record yet. An earlier choice stands: someone who withdrew stays
/// withdrawn when given another grid role.
pub fn default_on_assignment(role: Role, current: Option<bool>) -> Option<bool> {
    (on_by_default(role) && current.is_none()).then_some(true)
}

/// Whether a public view of someone in `role`, whose latest consent is
/// `consent`, shows their phone in full.
pub fn shows_in_full(role: Role, consent: Option<bool>) -> bool {
    may_publish(role) && consent == Some(true)
}

/// The current entry of a history: the latest row wins, latest meaning last
/// appended (highest id), whatever the clocks of the servers said.
pub fn current(history: &[Entry]) -> Option<&Entry> {
    history.iter().max_by_key(|e| e.id)
}

/// SQL joining `pp`, the latest publicity row of the person aliased `p`
/// (all NULL when there is none).
pub const JOIN_LATEST: &str =
    "LEFT JOIN phone_publicity pp ON pp.id = (SELECT MAX(l.id) FROM phone_publicity l WHERE l.person_id = p.id)";

/// Who recorded a row: a person, or linli itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorder {
    pub person_id: Option<i64>,
    pub label: String,
}

impl Recorder {
    /// linli, e.g. assigning a role from a bulk import.
    pub fn system() -> Recorder {
        Recorder { person_id: None, label: "系统".into() }
    }

    /// The demo data's loader.
    pub fn demo() -> Recorder {
        Recorder { person_id: None, label: "演示数据".into() }
    }

    pub fn person(p: &PersonActor) -> Recorder {
        Recorder { person_id: Some(p.person_id), label: p.name.clone() }
    }
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder::system()
    }
}

crate::db_row! {
    /// One row of a person's history.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Entry {
        pub id: i64,
        pub published: bool,
        pub recorded_by_person_id: Option<i64>,
        pub recorded_by_label: String,
        pub recorded_at: i64,
        pub note: Option<String>,
    }
}

impl Entry {
    /// `已同意公开（张三 2024年6月4日）`, `已撤回公开（…）`.
    pub fn provenance(&self, now: i64) -> String {
        provenance_of(self.published, &self.recorded_by_label, self.recorded_at, now)
    }
}

/// The provenance line of a choice: what, who, when.
pub fn provenance_of(published: bool, by: &str, at: i64, now: i64) -> String {
    let verb = if published { "已同意公开" } else { "已撤回公开" };
    format!("{verb}（{by} {}）", crate::time::human(at, now))
}

/// The provenance line of someone whose latest entry is `latest`.
pub fn provenance(latest: Option<&Entry>, now: i64) -> String {
    latest.map_or_else(|| "未公开（没有同意记录）".to_string(), |e| e.provenance(now))
}

/// [`provenance_of`] in English: `Agreed to publish (张三, 4 Jun 18:30)`.
/// A person's name stays as written; linli's own labels are translated.
pub fn provenance_of_en(published: bool, by: &str, at: i64, now: i64) -> String {
    let verb = if published { "Agreed to publish" } else { "Withdrawn" };
    format!("{verb} ({}, {})", label_en(by), crate::time::human_en(at, now))
}

/// [`provenance`] in English.
pub fn provenance_en(latest: Option<&Entry>, now: i64) -> String {
    latest.map_or_else(
        || "Not published (no consent on record)".to_string(),
        |e| provenance_of_en(e.published, &e.recorded_by_label, e.recorded_at, now),
    )
}

/// The note recorded when a person's own account page sets their consent.
pub const NOTE_OWN_ACCOUNT: &str = "本人在“我的账户”页面设置";

/// The note recorded when community staff set it on the people page.
pub const NOTE_PEOPLE_PAGE: &str = "社区工作人员在“人员与角色”页面设置";

/// The note recorded when taking up `role` publishes the phone by default.
pub fn default_note(role: Role) -> String {
    format!("担任{}，默认公开工作电话", role.name_zh())
}

/// A recorder's label in English: linli's own ([`Recorder::system`],
/// [`Recorder::demo`]) translated, a person's name as it is.
pub fn label_en(label: &str) -> &str {
    match label {
        "系统" => "linli",
        "演示数据" => "demo data",
        name => name,
    }
}

/// A note in English: the notes linli itself records translated, anyone
/// else's as they wrote it.
pub fn note_en(note: &str) -> String {
    match note {
        NOTE_OWN_ACCOUNT => "set by themselves on their account page".to_string(),
        NOTE_PEOPLE_PAGE => "set by community staff on the people page".to_string(),
        _ => match Role::ALL.iter().find(|r| default_note(**r) == note) {
            Some(r) => format!("took up the role of {}: work phone published by default", r.name_en().to_lowercase()),
            None => note.to_string(),
        },
    }
}

/// Why a change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Publishing asked for someone holding no role whose phone may be published.
    NotAGridWorker,
}

impl Refusal {
    pub fn en(self) -> &'static str {
        match self {
            Refusal::NotAGridWorker => {
                "only an active micro-grid member, grid head or community staff member's work phone can be published"
            }
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Refusal::NotAGridWorker => {
                "只有在岗的微网格员、网格长和社区工作人员可以公开工作电话，居民和党员的电话不公开"
            }
        }
    }
}

/// Whether `published` may be recorded for a person holding `roles`
/// (active ones). Withdrawing is always allowed.
pub fn check_change(roles: &[Role], published: bool) -> Result<(), Refusal> {
    if published && !roles.iter().any(|r| may_publish(*r)) {
        return Err(Refusal::NotAGridWorker);
    }
    Ok(())
}

/// A person whose consent is read or changed, with their active roles.
#[derive(Debug, Clone)]
pub struct Subject {
    pub person_id: i64,
    pub name: String,
    /// Active roles and their node paths (`None` for organisation roles).
    pub roles: Vec<(Role, Option<String>)>,
}

impl Subject {
    pub fn role_list(&self) -> Vec<Role> {
        self.roles.iter().map(|(r, _)| *r).collect()
    }

    /// Whether any of the person's roles could show their phone.
    pub fn eligible(&self) -> bool {
        self.roles.iter().any(|(r, _)| may_publish(*r))
    }

    /// Who may change it: the person, and managers (community staff, the
    /// command centre, administrators) of any area the person works in.
    /// Someone with no node-scoped role is managed by administrators.
    pub fn may_be_set_by(&self, actor: &PersonActor) -> bool {
        if actor.person_id == self.person_id {
            return true;
        }
        let paths: Vec<&str> = self.roles.iter().filter_map(|(_, p)| p.as_deref()).collect();
        if paths.is_empty() {
            return actor.manages(None);
        }
        paths.iter().any(|p| actor.manages(Some(p)))
    }
}

/// The person (not erased) with their active roles, or 404.
pub async fn subject(db: &Db, person_id: i64) -> Result<Subject> {
    let person: Option<(String,)> =
        query("SELECT name FROM people WHERE id = $1 AND erased_at IS NULL").bind(person_id).fetch_optional(db).await?;
    let (name,) = person.ok_or_else(|| Error::not_found("person", person_id.to_string()))?;
    let roles: Vec<(Role, Option<String>)> = query(
        "SELECT r.role, n.path FROM role_assignments r LEFT JOIN org_nodes n ON n.id = r.node_id
         WHERE r.person_id = $1 AND r.active ORDER BY r.id",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    Ok(Subject { person_id, name, roles })
}

/// A person's history, oldest first.
pub async fn history<'a>(on: impl Into<On<'a>>, person_id: i64) -> Result<Vec<Entry>> {
    Ok(query(
        "SELECT id, published, recorded_by_person_id, recorded_by_label, recorded_at, note
         FROM phone_publicity WHERE person_id = $1 ORDER BY id",
    )
    .bind(person_id)
    .fetch_all(on)
    .await?)
}

/// A person's latest entry, if any.
pub async fn latest<'a>(on: impl Into<On<'a>>, person_id: i64) -> Result<Option<Entry>> {
    Ok(query(
        "SELECT id, published, recorded_by_person_id, recorded_by_label, recorded_at, note
         FROM phone_publicity WHERE person_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(person_id)
    .fetch_optional(on)
    .await?)
}

/// Appends a row.
pub async fn record(
    tx: &mut Tx,
    person_id: i64,
    published: bool,
    by: &Recorder,
    note: Option<&str>,
    now: i64,
) -> Result<i64> {
    Ok(query(
        "INSERT INTO phone_publicity (person_id, published, recorded_by_person_id, recorded_by_label, recorded_at, note)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(person_id)
    .bind(published)
    .bind(by.person_id)
    .bind(&by.label)
    .bind(now)
    .bind(note)
    .scalar(tx)
    .await?)
}

/// Records the default of a role just given to a person (see
/// [`default_on_assignment`]), in the assignment's transaction.
pub async fn record_default(tx: &mut Tx, person_id: i64, role: Role, by: &Recorder, now: i64) -> Result<()> {
    if !on_by_default(role) {
        return Ok(());
    }
    let current = latest(&mut *tx, person_id).await?.map(|e| e.published);
    if let Some(published) = default_on_assignment(role, current) {
        let note = default_note(role);
        record(tx, person_id, published, by, Some(&note), now).await?;
    }
    Ok(())
}

/// Sets a person's consent, appending a row only if it changes. Returns
/// whether it changed. The caller has checked who may do it.
pub async fn set(
    db: &Db,
    subject: &Subject,
    published: bool,
    by: &Recorder,
    note: Option<&str>,
    now: i64,
) -> Result<bool> {
    check_change(&subject.role_list(), published).map_err(|r| Error::invalid("published", r.zh()))?;
    if let Some(n) = note
        && n.chars().count() > 100
    {
        return Err(Error::invalid("note", "最多 100 个字"));
    }
    let mut tx = db.begin().await?;
    let current = latest(&mut tx, subject.person_id).await?.map(|e| e.published);
    if current == Some(published) {
        return Ok(false);
    }
    record(&mut tx, subject.person_id, published, by, note, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// A person's consent as the JSON API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Publicity {
    pub person_id: i64,
    /// Whether the person holds a role whose phone may be published.
    pub eligible: bool,
    /// The latest recorded choice, or null when none is on record.
    pub consent: Option<bool>,
    /// Whether public views show the phone in full now.
    pub published: bool,
    /// Whether this request appended a row (writes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<bool>,
    pub history: Vec<HistoryItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryItem {
    pub id: i64,
    pub published: bool,
    pub recorded_by: String,
    pub recorded_by_person_id: Option<i64>,
    pub recorded_at: String,
    pub note: Option<String>,
}

impl Publicity {
    pub fn new(subject: &Subject, history: Vec<Entry>, changed: Option<bool>) -> Publicity {
        let consent = current(&history).map(|e| e.published);
        Publicity {
            person_id: subject.person_id,
            eligible: subject.eligible(),
            consent,
            published: subject.eligible() && consent == Some(true),
            changed,
            history: history
                .into_iter()
                .map(|e| HistoryItem {
                    id: e.id,
                    published: e.published,
                    recorded_by: e.recorded_by_label,
                    recorded_by_person_id: e.recorded_by_person_id,
                    recorded_at: crate::time::to_rfc3339(e.recorded_at),
                    note: e.note,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, published: bool, at: i64) -> Entry {
        Entry {
            id,
            published,
            recorded_by_person_id: None,
            recorded_by_label: "张三".into(),
            recorded_at: at,
            note: None,
        }
    }

    #[test]
    fn only_grid_workers_may_be_published() {
        for role in [Role::MicroGridMember, Role::GridHead, Role::CommunityStaff] {
            assert!(may_publish(role), "{role}");
            assert!(shows_in_full(role, Some(true)), "{role}");
            assert!(!shows_in_full(role, Some(false)), "{role}");
            assert!(!shows_in_full(role, None), "{role}: no record means not published");
        }
        for role in [
            Role::Resident,
            Role::PartyMember,
            Role::PropertyStaff,
            Role::DepartmentOfficer,
            Role::CommandCentre,
            Role::Admin,
        ] {
            assert!(!may_publish(role), "{role}");
            assert!(!shows_in_full(role, Some(true)), "{role}: never, whatever the setting");
        }
    }

    #[test]
    fn grid_roles_default_on_once() {
        assert_eq!(default_on_assignment(Role::MicroGridMember, None), Some(true));
        assert_eq!(default_on_assignment(Role::GridHead, None), Some(true));
        // Community staff opt in; residents and party members never.
        assert_eq!(default_on_assignment(Role::CommunityStaff, None), None);
        assert_eq!(default_on_assignment(Role::Resident, None), None);
        assert_eq!(default_on_assignment(Role::PartyMember, None), None);
        // A choice on record stands: a withdrawal is not undone by a new role.
        assert_eq!(default_on_assignment(Role::GridHead, Some(false)), None);
        assert_eq!(default_on_assignment(Role::GridHead, Some(true)), None);
    }

    #[test]
    fn the_latest_row_wins() {
        assert_eq!(current(&[]), None);
        let history = [entry(1, true, 100), entry(2, false, 200)];
        assert_eq!(current(&history).map(|e| e.published), Some(false));
        // Appended last wins even if a server's clock ran behind.
        let skewed = [entry(3, false, 500), entry(4, true, 400)];
        assert_eq!(current(&skewed).map(|e| e.id), Some(4));
        // Order of the slice does not matter.
        let shuffled = [entry(7, true, 1), entry(5, false, 2)];
        assert_eq!(current(&shuffled).map(|e| e.published), Some(true));
    }

    #[test]
    fn publishing_needs_a_grid_role_withdrawing_does_not() {
        assert_eq!(check_change(&[Role::Resident], true), Err(Refusal::NotAGridWorker));
        assert_eq!(check_change(&[Role::PartyMember], true), Err(Refusal::NotAGridWorker));
        assert_eq!(check_change(&[], true), Err(Refusal::NotAGridWorker));
        assert_eq!(check_change(&[Role::PartyMember, Role::MicroGridMember], true), Ok(()));
        assert_eq!(check_change(&[Role::Resident], false), Ok(()));
    }

    #[test]
    fn provenance_says_who_and_when() {
        // 2024-06-04 18:30 CST, read more than a year later.
        let at = 1_717_497_000_000;
        let later = at + 400 * 86_400_000;
        assert_eq!(entry(1, true, at).provenance(later), "已同意公开（张三 2024年6月4日）");
        assert_eq!(entry(1, false, at).provenance(later), "已撤回公开（张三 2024年6月4日）");
        assert_eq!(provenance(None, later), "未公开（没有同意记录）");
        // In English: linli's own labels and notes translated, names kept.
        assert_eq!(provenance_en(Some(&entry(1, true, at)), later), "Agreed to publish (张三, 4 Jun 2024)");
        assert_eq!(provenance_of_en(false, "演示数据", at, later), "Withdrawn (demo data, 4 Jun 2024)");
        assert_eq!(provenance_en(None, later), "Not published (no consent on record)");
        assert_eq!(
            note_en(&default_note(Role::GridHead)),
            "took up the role of grid head: work phone published by default"
        );
        assert_eq!(note_en(NOTE_OWN_ACCOUNT), "set by themselves on their account page");
        assert_eq!(note_en("换了新号码"), "换了新号码");
    }
}
