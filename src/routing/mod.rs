//! Routing: category × place → the unit responsible, and the deadline.
//! Defaults come from the taxonomy; a deployment overrides them with rules
//! (by category, by subtree, or both), the most specific rule winning.

pub mod api;
pub mod pages;
pub mod store;

use serde::Serialize;

use crate::db::Tx;
use crate::directory::BuildingContext;
use crate::error::{Error, Result};
use crate::taxonomy::{Category, DepartmentKind, Handler};

crate::text_enum! {
    /// The kind of party a case is assigned to.
    pub enum AssigneeKind {
        Property = "property",
        GridHead = "grid_head",
        Community = "community",
        Department = "department",
    }
}

/// Who a case is assigned to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    pub kind: AssigneeKind,
    pub organisation_id: Option<i64>,
    pub person_id: Option<i64>,
    /// The grid (grid head) or community (community office) node.
    pub node_id: Option<i64>,
    pub name: String,
}

/// The routing decision for one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    pub assignment: Assignment,
    pub deadline_minutes: u32,
}

crate::db_row! {
    /// A deployment's override of the default routing.
    #[derive(Debug, Clone, Serialize)]
    pub struct RoutingRule {
        pub id: i64,
        /// Taxonomy code, or every category when absent.
        pub category: Option<String>,
        /// Applies within this node's subtree, or everywhere when absent.
        #[serde(skip)]
        pub node_id: Option<i64>,
        pub node_code: Option<String>,
        #[serde(skip)]
        pub node_path: Option<String>,
        /// `property`, `grid_head`, `community` or `department:KIND`.
        pub handler: String,
        /// Assign this organisation outright (a specific contractor or bureau).
        pub organisation_id: Option<i64>,
        pub deadline_minutes: Option<i64>,
        pub note: Option<String>,
    }
}

/// Parses a rule's handler text.
pub fn parse_handler(text: &str) -> Option<Handler> {
    match text {
        "property" => Some(Handler::Property),
        "grid_head" => Some(Handler::GridHead),
        "community" => Some(Handler::Community),
        _ => text.strip_prefix("department:").and_then(DepartmentKind::from_code).map(Handler::Department),
    }
}

/// The rule that applies to a report of `category` at a node with `path`:
/// the deepest subtree wins, and a category-specific rule beats a general one.
pub fn matching_rule<'a>(rules: &'a [RoutingRule], category: &str, path: &str) -> Option<&'a RoutingRule> {
    rules
        .iter()
        .filter(|r| r.category.as_deref().is_none_or(|c| c == category))
        .filter(|r| r.node_path.as_deref().is_none_or(|p| path.starts_with(p)))
        .max_by_key(|r| (r.node_path.as_deref().map_or(0, str::len), r.category.is_some(), r.id))
}

/// Decides who handles a report and by when.
pub fn route(
    ctx: &BuildingContext,
    category: &Category,
    urgent: bool,
    rules: &[RoutingRule],
    organisation_name: impl Fn(i64) -> Option<(String, AssigneeKind)>,
) -> Result<Route> {
    let path = ctx.ancestry.last().map(|n| n.path.as_str()).unwrap_or("/");
    let rule = matching_rule(rules, category.code, path);
    let default_minutes = match (urgent, category.deadlines.urgent_minutes) {
        (true, Some(m)) => m,
        _ => category.deadlines.resolve_minutes,
    };
    let deadline_minutes =
        rule.and_then(|r| r.deadline_minutes).and_then(|m| u32::try_from(m).ok()).unwrap_or(default_minutes);
    if let Some(org_id) = rule.and_then(|r| r.organisation_id) {
        let (name, kind) = organisation_name(org_id)
            .ok_or_else(|| Error::Conflict(format!("派遣规则指定的单位 {org_id} 不存在，请修改规则")))?;
        let assignment = Assignment { kind, organisation_id: Some(org_id), person_id: None, node_id: None, name };
        return Ok(Route { assignment, deadline_minutes });
    }
    let handlers: Vec<Handler> = match rule.and_then(|r| parse_handler(&r.handler)) {
        Some(h) => vec![h],
        None => category.handlers_for(urgent).to_vec(),
    };
    // The lead handler if it exists here, else the next, else the community.
    let assignment = handlers
        .iter()
        .chain(std::iter::once(&Handler::Community))
        .find_map(|h| assignment_for(ctx, *h))
        .ok_or_else(|| Error::Conflict("这栋楼没有登记负责处置的人员或单位".into()))?;
    Ok(Route { assignment, deadline_minutes })
}

fn assignment_for(ctx: &BuildingContext, handler: Handler) -> Option<Assignment> {
    let party = ctx.resolve(handler)?;
    let (kind, node_id) = match handler {
        Handler::Property => (AssigneeKind::Property, None),
        Handler::Department(_) => (AssigneeKind::Department, None),
        Handler::GridHead => (AssigneeKind::GridHead, ctx.node_at(crate::org::Level::Grid).map(|n| n.id)),
        Handler::Community => (AssigneeKind::Community, ctx.node_at(crate::org::Level::Community).map(|n| n.id)),
    };
    Some(Assignment {
        kind,
        organisation_id: party.organisation_id,
        person_id: party.person_id,
        node_id,
        name: party.name,
    })
}

/// A new rule, checked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    pub category: Option<String>,
    pub node: Option<String>,
    pub handler: Option<String>,
    pub organisation_id: Option<i64>,
    pub deadline_minutes: Option<i64>,
    pub note: Option<String>,
}

pub async fn insert_rule(tx: &mut Tx, rule: &NewRule, node_id: Option<i64>, now: i64) -> Result<i64> {
    if let Some(c) = &rule.category
        && crate::taxonomy::category(c).is_none()
    {
        return Err(Error::invalid("category", format!("未知的问题类别 `{c}`")));
    }
    let handler = match (&rule.handler, rule.organisation_id) {
        (Some(h), _) if parse_handler(h).is_some() => h.clone(),
        (Some(h), _) => {
            return Err(Error::invalid(
                "handler",
                format!("`{h}` 不是 property、grid_head、community 或 department:KIND"),
            ));
        }
        (None, Some(_)) => "organisation".to_string(),
        (None, None) => return Err(Error::invalid("handler", "请给出 handler 或 organisation_id")),
    };
    if let Some(m) = rule.deadline_minutes
        && !(1..=60 * 24 * 90).contains(&m)
    {
        return Err(Error::invalid("deadline_minutes", "应为 1 分钟到 90 天"));
    }
    if let Some(org) = rule.organisation_id
        && !store::organisation_exists(tx, org).await?
    {
        return Err(Error::invalid("organisation_id", format!("没有编号为 {org} 的单位")));
    }
    store::insert(tx, rule, node_id, &handler, now).await
}

/// Organisation name and assignee kind, for rules that name one outright.
pub async fn organisation_kinds<'a>(db: impl Into<crate::db::On<'a>>) -> Result<Vec<(i64, String, AssigneeKind)>> {
    let rows = store::organisations(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, kind)| {
            let k = if kind == "property_company" { AssigneeKind::Property } else { AssigneeKind::Department };
            (id, name, k)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, category: Option<&str>, path: Option<&str>, handler: &str) -> RoutingRule {
        RoutingRule {
            id,
            category: category.map(str::to_string),
            node_id: None,
            node_code: None,
            node_path: path.map(str::to_string),
            handler: handler.to_string(),
            organisation_id: None,
            deadline_minutes: None,
            note: None,
        }
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let rules = vec![
            rule(1, Some("noise"), None, "department:enforcement"),
            rule(2, None, Some("/1/2/"), "community"),
            rule(3, Some("noise"), Some("/1/2/3/"), "grid_head"),
        ];
        assert_eq!(matching_rule(&rules, "noise", "/1/2/3/4/").map(|r| r.id), Some(3));
        assert_eq!(matching_rule(&rules, "noise", "/1/2/9/").map(|r| r.id), Some(2));
        assert_eq!(matching_rule(&rules, "noise", "/5/").map(|r| r.id), Some(1));
        assert_eq!(matching_rule(&rules, "lighting", "/5/").map(|r| r.id), None);
    }

    #[test]
    fn handler_texts() {
        assert_eq!(parse_handler("department:police"), Some(Handler::Department(DepartmentKind::Police)));
        assert_eq!(parse_handler("grid_head"), Some(Handler::GridHead));
        assert_eq!(parse_handler("department:army"), None);
    }
}
