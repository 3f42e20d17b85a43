//! Who is asking: a signed-in person with their role grants, an Open311
//! client, linli itself, or the anonymous public.

pub mod accounts;
pub mod api;
pub mod clients;
pub mod frame;
pub mod pages;
mod roles;
pub mod secret;
pub mod session;
pub mod store;

pub use roles::Role;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::web::AppState;

/// One role a person holds, with its scope resolved for checks.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub role: Role,
    pub node_id: Option<i64>,
    /// The scope node's materialised path: the grant covers every node whose
    /// path starts with it.
    #[serde(skip)]
    pub node_path: Option<String>,
    pub organisation_id: Option<i64>,
}

impl Grant {
    /// Whether a node (by path) lies in this grant's subtree.
    pub fn covers(&self, path: &str) -> bool {
        self.node_path.as_deref().is_some_and(|scope| path.starts_with(scope))
    }
}

/// A signed-in person.
#[derive(Debug, Clone, Serialize)]
pub struct PersonActor {
    pub person_id: i64,
    pub account_id: i64,
    pub name: String,
    pub grants: Vec<Grant>,
}

impl PersonActor {
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Grants of any of `roles` whose subtree holds `path`.
    pub fn covers(&self, roles: &[Role], path: &str) -> bool {
        self.grants.iter().any(|g| roles.contains(&g.role) && g.covers(path))
    }

    /// Whether the person may configure things (routing rules, robots,
    /// bindings) at a node: administrators anywhere, community staff and
    /// the command centre within their subtree. `None`: deployment-wide,
    /// administrators only.
    pub fn manages(&self, path: Option<&str>) -> bool {
        match path {
            Some(path) => self.covers(Role::MANAGERS, path),
            None => self.has_role(Role::Admin),
        }
    }

    /// The role a person is known by in a building's chat or a case's
    /// history: the most responsible one they hold.
    pub fn main_role(&self) -> Option<Role> {
        const BY_RESPONSIBILITY: [Role; 9] = [
            Role::CommandCentre,
            Role::CommunityStaff,
            Role::GridHead,
            Role::MicroGridMember,
            Role::PropertyStaff,
            Role::DepartmentOfficer,
            Role::Admin,
            Role::PartyMember,
            Role::Resident,
        ];
        BY_RESPONSIBILITY.into_iter().find(|r| self.has_role(*r))
    }

    /// `张丽（微网格员）`: the name with the role it speaks in.
    pub fn name_with_role(&self) -> String {
        match self.main_role() {
            Some(role) => format!("{}（{}）", self.name, role.name_zh()),
            None => self.name.clone(),
        }
    }

    /// Whether the person holds `role` in organisation `org`.
    pub fn in_organisation(&self, role: Role, org: Option<i64>) -> bool {
        org.is_some() && self.grants.iter().any(|g| g.role == role && g.organisation_id == org)
    }
}

/// The party behind a request or an event.
#[derive(Debug, Clone)]
pub enum Actor {
    Anonymous,
    Person(PersonActor),
    ApiClient {
        id: i64,
        name: String,
    },
    /// Someone holding a case's follow token (given to its reporter when it
    /// was filed): may follow, confirm and rate that one case.
    CaseReporter {
        case_id: i64,
    },
    /// A person outside linli speaking through a chat bridge or WeCom,
    /// named as the channel knows them.
    Channel {
        label: String,
    },
    /// linli itself: timers, automatic dispatch.
    System,
}

impl Actor {
    /// How the actor is named in a case's history.
    pub fn label(&self) -> String {
        match self {
            Actor::Anonymous => "居民（匿名）".to_string(),
            Actor::Person(p) => p.name_with_role(),
            Actor::ApiClient { name, .. } => format!("Open311: {name}"),
            Actor::CaseReporter { .. } => "报告人".to_string(),
            Actor::Channel { label } => label.clone(),
            Actor::System => "系统".to_string(),
        }
    }

    pub fn person(&self) -> Option<&PersonActor> {
        match self {
            Actor::Person(p) => Some(p),
            _ => None,
        }
    }

    pub fn person_id(&self) -> Option<i64> {
        self.person().map(|p| p.person_id)
    }

    /// A signed-in administrator, or 401/403.
    pub fn require_admin(&self) -> Result<&PersonActor> {
        let person = self.require_person()?;
        if person.has_role(Role::Admin) { Ok(person) } else { Err(Error::Forbidden("仅限系统管理员".into())) }
    }

    /// The signed-in person, or 401.
    pub fn require_person(&self) -> Result<&PersonActor> {
        self.person().ok_or_else(|| Error::Unauthenticated("请先登录（Authorization: Bearer TOKEN）".into()))
    }
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Actor> {
        let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            // A browser session: writes must carry its CSRF token in a header.
            let Some(user) = crate::auth::session::web_user(parts, state).await? else {
                return Ok(Actor::Anonymous);
            };
            if !parts.method.is_safe() {
                let given = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
                user.check_csrf(given)?;
            }
            return Ok(Actor::Person(user.person));
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::Unauthenticated("Authorization 请求头应为 `Bearer TOKEN`".into()))?;
        let digest = secret::digest(token);
        if let Some(account_id) = store::live_api_session_account(&state.db, &digest, state.clock.now_ms()).await? {
            return Ok(Actor::Person(load_person_actor(&state.db, account_id).await?));
        }
        // Chat bridges and Open311 clients present their API key the same way.
        let client = store::active_api_client(&state.db, &digest)
            .await?
            .ok_or_else(|| Error::Unauthenticated("令牌无效或已过期，请重新登录".into()))?;
        Ok(Actor::ApiClient { id: client.id, name: client.name })
    }
}

/// The person behind a username, as services take them (the demo's stories act as its people).
pub async fn actor_by_username(db: &Db, username: &str) -> Result<Actor> {
    let account = store::account_by_username(db, username)
        .await?
        .ok_or_else(|| Error::not_found("person", username.to_string()))?;
    Ok(Actor::Person(load_person_actor(db, account.id).await?))
}

/// The person behind an account, with their active grants.
pub async fn load_person_actor(db: &Db, account_id: i64) -> Result<PersonActor> {
    let person = store::person_of_account(db, account_id)
        .await?
        .ok_or_else(|| Error::Unauthenticated("该账号已不存在".into()))?;
    if person.disabled {
        return Err(Error::Unauthenticated("该账号已停用".into()));
    }
    let grants = store::active_grants(db, person.id).await?;
    Ok(PersonActor { person_id: person.id, account_id, name: person.name, grants })
}
