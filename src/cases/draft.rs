//! One parse for a new report, whichever way it comes in — the JSON API,
//! Open311, the building page's form, a chat message: the same limits on
//! the text, the place, the reporter's contact and the photos, the same
//! reasons when something is wrong. Each channel fills a [`Draft`] from its
//! own format and maps the field names back to its own if it must.

use super::Source;
use super::locate::Location;
use super::service::ReportInput;
use super::store::Reporter;
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::privacy::Phone;

/// Longest description, in characters.
pub const MAX_DESCRIPTION: usize = 2000;
/// Most photos sent with one report.
pub const MAX_PHOTOS: usize = 9;

/// A report as received, before anything is checked.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub category: Option<String>,
    pub description: String,
    /// Where: a building code, else coordinates, else an address in words.
    pub building: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub unit: Option<i64>,
    pub room: Option<String>,
    pub floor: Option<i64>,
    pub urgent: bool,
    /// Why it is urgent (triage's reason, or the reporter's own word).
    pub urgent_reason: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Photos already uploaded, by SHA-256; linked in the filing transaction.
    pub attachments: Vec<String>,
    pub source: Option<Source>,
    /// Keep it at step 1 for a person to confirm, whatever the settings.
    pub hold: bool,
}

/// Blank optional text counts as absent.
fn given(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl Draft {
    /// Checks the draft and says who filed it: a signed-in person, an API
    /// client, or the public.
    pub fn parse(self, actor: &Actor) -> Result<ReportInput> {
        let category = given(self.category).ok_or_else(|| Error::invalid("category", "请选择问题类别"))?;
        if crate::taxonomy::category(&category).is_none() {
            return Err(Error::invalid("category", format!("未知的问题类别 `{category}`")));
        }
        let description = self.description.trim().to_string();
        if description.is_empty() || description.chars().count() > MAX_DESCRIPTION {
            return Err(Error::invalid("description", format!("应为 1 到 {MAX_DESCRIPTION} 个字")));
        }
        let location = location_of(self.building, self.address, self.lat, self.lng)?;
        if let Some(unit) = self.unit
            && !(1..=99).contains(&unit)
        {
            return Err(Error::invalid("unit", "应为 1 到 99 之间的单元号"));
        }
        let room = given(self.room);
        if room.as_ref().is_some_and(|r| r.chars().count() > 20) {
            return Err(Error::invalid("room", "应为 1 到 20 个字"));
        }
        if let Some(floor) = self.floor
            && !(-5..=200).contains(&floor)
        {
            return Err(Error::invalid("floor", "应为 -5 到 200 之间的楼层"));
        }
        if self.attachments.len() > MAX_PHOTOS {
            return Err(Error::invalid("attachments", format!("最多 {MAX_PHOTOS} 张照片")));
        }
        let reporter = reporter_of(actor, given(self.name), given(self.phone), given(self.email))?;
        let source = self.source.unwrap_or(match actor.person() {
            Some(p) if p.grants.iter().any(|g| g.role != crate::auth::Role::Resident) => Source::Staff,
            _ => Source::Web,
        });
        Ok(ReportInput {
            category,
            description,
            urgent: self.urgent,
            location,
            unit: self.unit,
            room,
            floor: self.floor,
            reporter,
            source,
            hold: self.hold,
            attachments: self.attachments,
            urgent_reason: self.urgent.then(|| self.urgent_reason.unwrap_or_else(|| "反映人标记为紧急".to_string())),
        })
    }
}

/// The place a report gives, in order of precision.
pub fn location_of(
    building: Option<String>,
    address: Option<String>,
    lat: Option<f64>,
    lng: Option<f64>,
) -> Result<Location> {
    match (given(building), given(address), lat, lng) {
        (Some(code), _, _, _) => Ok(Location::Building(code)),
        (None, _, Some(lat), Some(lng)) => Ok(Location::Point { lat, lng }),
        (None, _, Some(_), None) => Err(Error::invalid("lng", "给了 lat 时必须同时给 lng")),
        (None, _, None, Some(_)) => Err(Error::invalid("lat", "给了 lng 时必须同时给 lat")),
        (None, Some(text), None, None) => Ok(Location::Address(text)),
        (None, None, None, None) => Err(Error::invalid("building", "请给出楼栋编号、地址或经纬度（lat 和 lng）")),
    }
}

fn reporter_of(actor: &Actor, name: Option<String>, phone: Option<String>, email: Option<String>) -> Result<Reporter> {
    if name.as_ref().is_some_and(|n| n.chars().count() > 40) {
        return Err(Error::invalid("reporter.name", "最多 40 个字"));
    }
    let phone = match phone {
        Some(p) => {
            Some(Phone::parse(&p).map_err(|e| Error::invalid("reporter.phone", e.to_string()))?.reveal().to_string())
        }
        None => None,
    };
    if email.as_ref().is_some_and(|e| !e.contains('@') || e.len() > 200) {
        return Err(Error::invalid("reporter.email", "不是有效的电子邮箱"));
    }
    let api_client_id = match actor {
        Actor::ApiClient { id, .. } => Some(*id),
        _ => None,
    };
    Ok(Reporter { person_id: actor.person_id(), api_client_id, name, phone, email })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            category: Some("lighting".into()),
            description: " 楼道灯不亮 ".into(),
            building: Some("32060201100301098".into()),
            ..Default::default()
        }
    }

    fn field(d: Draft) -> String {
        match d.parse(&Actor::Anonymous) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn a_good_draft_is_trimmed_and_placed() {
        let input = draft().parse(&Actor::Anonymous).expect("valid");
        assert_eq!(input.description, "楼道灯不亮");
        assert!(matches!(input.location, Location::Building(_)));
        assert_eq!(input.source, Source::Web);
    }

    #[test]
    fn every_limit_names_its_field() {
        assert_eq!(field(Draft { category: Some("nope".into()), ..draft() }), "category");
        assert_eq!(field(Draft { description: "  ".into(), ..draft() }), "description");
        assert_eq!(field(Draft { description: "长".repeat(2001), ..draft() }), "description");
        assert_eq!(field(Draft { unit: Some(0), ..draft() }), "unit");
        assert_eq!(field(Draft { room: Some("房".repeat(21)), ..draft() }), "room");
        assert_eq!(field(Draft { phone: Some("12345".into()), ..draft() }), "reporter.phone");
        assert_eq!(field(Draft { email: Some("nobody".into()), ..draft() }), "reporter.email");
        assert_eq!(field(Draft { name: Some("名".repeat(41)), ..draft() }), "reporter.name");
        assert_eq!(field(Draft { attachments: vec!["a".into(); 10], ..draft() }), "attachments");
        assert_eq!(field(Draft { building: None, lat: Some(32.0), ..draft() }), "lng");
        assert_eq!(field(Draft { building: None, ..draft() }), "building");
    }
}
