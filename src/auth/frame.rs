//! The frame of every signed-in page: the page's words, who is signed in
//! with their roles and CSRF token, and the guards pages start with.

use axum::http::HeaderMap;

use super::Role;
use super::session::WebUser;
use crate::error::Error;
use crate::ui::PageError;
use crate::ui::i18n::{Lang, Texts};
use crate::web::AppState;

/// What every app page's frame needs: words, the signed-in person, links.
pub struct Chrome {
    pub t: &'static Texts,
    pub user: Option<UserChrome>,
    /// The current path, for the language switch to come back to.
    pub path: String,
}

pub struct UserChrome {
    pub name: String,
    pub roles: String,
    pub csrf: String,
    pub can_admin: bool,
    pub can_centre: bool,
    /// Works an area's sweeps (grid staff) or their enforcement (department officers).
    pub can_sweep: bool,
}

impl Chrome {
    pub fn new(headers: &HeaderMap, user: Option<&WebUser>, path: &str) -> Chrome {
        let t = Lang::from_headers(headers).texts();
        let user = user.map(|u| {
            let p = &u.person;
            let mut roles: Vec<&str> = p.grants.iter().map(|g| t.role(&g.role)).collect();
            roles.dedup();
            UserChrome {
                name: p.name.clone(),
                roles: roles.join(t.tr("、", ", ")),
                csrf: u.csrf.clone(),
                can_admin: p.grants.iter().any(|g| Role::MANAGERS.contains(&g.role)),
                can_centre: p.grants.iter().any(|g| Role::OVERSEERS.contains(&g.role)),
                can_sweep: p
                    .grants
                    .iter()
                    .any(|g| Role::AREA_STAFF.contains(&g.role) || g.role == Role::DepartmentOfficer),
            }
        });
        Chrome { t, user, path: path.to_string() }
    }

    /// A page's own word in the page's language; see [`Texts::tr`].
    /// In templates: `{{ chrome.tr("我的反映", "My reports") }}`.
    pub fn tr(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.t.tr(zh, en)
    }

    /// Whether the page is in English.
    pub fn en(&self) -> bool {
        self.t.is_en()
    }

    pub fn csrf(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.csrf.as_str())
    }
}

/// A form a signed-in person posted, once its CSRF token matches their session.
pub fn checked_form(user: &WebUser, body: &[u8]) -> Result<crate::web::params::Params, Error> {
    let form = crate::web::params::Params::parse(std::str::from_utf8(body).unwrap_or(""));
    user.check_csrf(form.optional("_csrf")?)?;
    Ok(form)
}

/// The signed-in person, or the page error that sends them to sign in.
pub async fn signed_in(state: &AppState, headers: &HeaderMap, path: &str) -> Result<WebUser, PageError> {
    match super::session::web_user_from(headers, state).await? {
        Some(u) => Ok(u),
        None => Err(PageError::SignIn { next: path.to_string() }),
    }
}

/// Pages that configure an area are for those who manage one.
pub fn require_manager(user: &WebUser) -> Result<(), Error> {
    if user.person.grants.iter().any(|g| Role::MANAGERS.contains(&g.role)) {
        Ok(())
    } else {
        Err(Error::Forbidden("只有社区工作人员、指挥中心和系统管理员能管理此项".into()))
    }
}
