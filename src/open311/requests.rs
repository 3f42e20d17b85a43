//! `requests` (POST a report, GET a search) and `requests/{id}`.

use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::{Failure, Format, Reply, client, render};
use crate::cases::draft::Draft;
use crate::cases::service;
use crate::cases::store::{self, CASE_SELECT};
use crate::cases::{Case, Source};
use crate::db::{Value as Arg, query, query_dyn};
use crate::error::Error;
use crate::privacy::mask_text;
use crate::web::AppState;
use crate::web::base_url;
use crate::web::params::Params;

const MAX_RESULTS: i64 = 1000;
const MAX_SPAN_MS: i64 = 90 * 24 * 3_600_000;

pub async fn create(state: &AppState, form: &Params, format: Format) -> Reply {
    let actor = client(state, form, format).await?;
    if let Actor::ApiClient { id, .. } = &actor {
        let rule = crate::web::limits::Rule { per_minute: 600, burst: 600 };
        state
            .limiter
            .check(&[(format!("open311:{id}"), rule)])
            .map_err(|e| Failure::new(429, e.to_string(), format))?;
    }
    let bad = |e: Error| Failure::from_error(e, format);
    let field = |name: &str| form.optional(name).map_err(bad);
    let code = field("service_code")?.ok_or_else(|| Failure::new(400, "service_code is required", format))?;
    let category = crate::taxonomy::category(code)
        .ok_or_else(|| Failure::new(404, format!("no service_code `{code}`"), format))?;
    if let Some(j) = field("jurisdiction_id")? {
        jurisdiction(state, j, format).await?;
    }
    let number = |name: &str| -> Result<Option<f64>, Failure> {
        field(name)?
            .map(|v| v.parse::<f64>().map_err(|_| Failure::new(400, format!("{name} must be a number"), format)))
            .transpose()
    };
    let attribute = |code: &str| form.optional(&format!("attribute[{code}]")).map_err(bad);
    let integer_attribute = |code: &str| -> Result<Option<i64>, Failure> {
        attribute(code)?
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| Failure::new(400, format!("attribute[{code}] must be a whole number"), format))
            })
            .transpose()
    };
    let urgent = match attribute("urgent")? {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(Failure::new(400, format!("attribute[urgent] must be true or false, not `{other}`"), format));
        }
    };
    let name = match (field("last_name")?, field("first_name")?) {
        (None, None) => None,
        (last, first) => Some(format!("{}{}", last.unwrap_or(""), first.unwrap_or(""))),
    };
    let Actor::ApiClient { id: client_id, .. } = &actor else {
        return Err(Failure::new(403, "api_key is invalid", format));
    };
    let text = |name: &str| -> Result<Option<String>, Failure> { Ok(field(name)?.map(str::to_string)) };
    let draft = Draft {
        category: Some(category.code.to_string()),
        description: field("description")?.unwrap_or(category.name_zh).to_string(),
        building: text("address_id")?,
        address: text("address_string")?,
        lat: number("lat")?,
        lng: number("long")?,
        unit: integer_attribute("unit")?,
        room: text("attribute[room]")?,
        floor: integer_attribute("floor")?,
        urgent,
        urgent_reason: None,
        name,
        phone: text("phone")?,
        email: text("email")?,
        attachments: Vec::new(),
        source: Some(Source::Open311),
        hold: false,
    };
    let input = draft.parse(&actor).map_err(|e| match e {
        Error::Invalid { field: f, .. } if f == "building" => {
            Failure::new(400, "give a location: lat and long, address_string or address_id", format)
        }
        Error::Invalid { field: f, reason } => Failure::new(400, format!("{}: {reason}", open311_name(&f)), format),
        other => bad(other),
    })?;
    // Resending the same report (same client, service, place, text and
    // contact) gives the same request id, not a second case.
    let fields: Vec<&str> = [
        "service_code",
        "address_id",
        "address_string",
        "lat",
        "long",
        "description",
        "email",
        "phone",
        "first_name",
        "last_name",
        "attribute[unit]",
        "attribute[room]",
        "attribute[floor]",
        "attribute[urgent]",
    ]
    .iter()
    .map(|k| form.optional(k).ok().flatten().unwrap_or(""))
    .collect();
    let header_key = form.optional("idempotency_key").ok().flatten();
    let idem = crate::cases::idempotency::Idempotency::new(
        format!("open311:{client_id}"),
        &header_key.map_or_else(|| crate::auth::secret::digest(&fields.join("\u{1f}")), str::to_string),
        fields.join("\u{1f}").as_bytes(),
    )
    .map_err(|e| Failure::from_error(e, format))?;
    let (case, _) = service::report_once(state, &actor, input, Some(&idem)).await.map_err(|e| match e {
        Error::Invalid { field: f, reason } => Failure::new(400, format!("{}: {reason}", open311_name(&f)), format),
        other => bad(other),
    })?;
    let notice = match (&case.assignee_name, case.due_at) {
        (Some(who), Some(due)) => format!("已受理，已派遣至{who}，处置时限 {}", crate::time::to_rfc3339(due)),
        _ => "已收到，待社区受理".to_string(),
    };
    let body = json!([{ "service_request_id": case.id.to_string(), "service_notice": notice, "account_id": null }]);
    Ok(render(format, "service_requests", &body))
}

use crate::auth::Actor;

/// Open311's names for linli's fields, in error messages.
fn open311_name(field: &str) -> &str {
    match field {
        "category" => "service_code",
        "building" => "address_id",
        "address" => "address_string",
        "lng" => "long",
        "unit" => "attribute[unit]",
        "room" => "attribute[room]",
        "floor" => "attribute[floor]",
        "reporter.phone" => "phone",
        "reporter.email" => "email",
        "reporter.name" => "last_name",
        other => other,
    }
}

/// A `jurisdiction_id` names an organisation node (a community code).
async fn jurisdiction(state: &AppState, code: &str, format: Format) -> Result<String, Failure> {
    crate::org::store::node_by_code(&state.db, code)
        .await
        .map(|n| n.path)
        .map_err(|_| Failure::new(404, format!("no jurisdiction_id `{code}`"), format))
}

pub async fn search(state: &AppState, params: &Params, headers: &HeaderMap, format: Format) -> Reply {
    let bad = |e: Error| Failure::from_error(e, format);
    let mut sql = format!("{CASE_SELECT} WHERE 1 = 1");
    let mut args: Vec<Arg> = Vec::new();
    let mut arg = |v: Arg| {
        args.push(v);
        format!("${}", args.len())
    };
    if let Some(j) = params.optional("jurisdiction_id").map_err(bad)? {
        let (low, high) = crate::org::subtree_bounds(&jurisdiction(state, j, format).await?);
        sql.push_str(&format!(" AND c.node_path >= {} AND c.node_path < {}", arg(low.into()), arg(high.into())));
    }
    if let Some(ids) = params.optional("service_request_id").map_err(bad)? {
        // Overrides every other filter.
        let ids: Vec<i64> = ids
            .split(',')
            .map(|s| {
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| Failure::new(400, format!("service_request_id `{s}` is not an id"), format))
            })
            .collect::<Result<_, _>>()?;
        let list: Vec<String> = ids.iter().map(|id| arg((*id).into())).collect();
        sql.push_str(&format!(" AND c.id IN ({})", list.join(", ")));
    } else {
        let now = state.clock.now_ms();
        let date = |name: &str| super::date_param(params, name, format);
        let (start, end) = match (date("start_date")?, date("end_date")?) {
            (Some(s), Some(e)) => (s, e),
            (Some(s), None) => (s, (s + MAX_SPAN_MS).min(now.max(s))),
            (None, Some(e)) => (e - MAX_SPAN_MS, e),
            (None, None) => (now - MAX_SPAN_MS, now),
        };
        if end < start {
            return Err(Failure::new(400, "end_date is before start_date", format));
        }
        if end - start > MAX_SPAN_MS {
            return Err(Failure::new(400, "start_date and end_date may not span more than 90 days", format));
        }
        sql.push_str(&format!(" AND c.created_at >= {} AND c.created_at <= {}", arg(start.into()), arg(end.into())));
        if let Some(codes) = params.optional("service_code").map_err(bad)? {
            let list: Vec<String> = codes.split(',').map(|c| arg(c.trim().to_string().into())).collect();
            sql.push_str(&format!(" AND c.category IN ({})", list.join(", ")));
        }
        if let Some(statuses) = params.optional("status").map_err(bad)? {
            let mut open = false;
            let mut closed = false;
            for s in statuses.split(',') {
                match s.trim() {
                    "open" => open = true,
                    "closed" => closed = true,
                    other => return Err(Failure::new(400, format!("status `{other}` is not open or closed"), format)),
                }
            }
            let closed_states = "('closed', 'evaluated', 'rejected', 'merged')";
            match (open, closed) {
                (true, false) => sql.push_str(&format!(" AND c.status NOT IN {closed_states}")),
                (false, true) => sql.push_str(&format!(" AND c.status IN {closed_states}")),
                _ => {}
            }
        }
    }
    sql.push_str(&format!(" ORDER BY c.created_at DESC, c.id DESC LIMIT {}", arg(MAX_RESULTS.into())));
    let cases: Vec<Case> = query_dyn(sql).bind_all(args).fetch_all(&state.db).await.map_err(|e| bad(e.into()))?;
    let base = base_url(state, headers);
    let mut items = Vec::with_capacity(cases.len());
    for case in &cases {
        items.push(request_json(state, case, &base).await.map_err(bad)?);
    }
    Ok(render(format, "service_requests", &Value::Array(items)))
}

pub async fn one(state: &AppState, id: &str, headers: &HeaderMap, format: Format) -> Reply {
    let id: i64 = id.parse().map_err(|_| Failure::new(404, format!("no service request `{id}`"), format))?;
    let case = store::case_by_id(&state.db, id).await.map_err(|e| Failure::from_error(e, format))?;
    let item =
        request_json(state, &case, &base_url(state, headers)).await.map_err(|e| Failure::from_error(e, format))?;
    Ok(render(format, "service_requests", &json!([item])))
}

/// One case as an Open311 request. Free text is masked: a public API
/// must not repeat the phone numbers residents type.
async fn request_json(state: &AppState, case: &Case, base: &str) -> crate::error::Result<Value> {
    let category = crate::taxonomy::category(&case.category);
    let photo: Option<(String,)> =
        query("SELECT blob_sha256 FROM case_attachments WHERE case_id = $1 ORDER BY id LIMIT 1")
            .bind(case.id)
            .fetch_optional(&state.db)
            .await?;
    let updated = if case.status.is_open() { case.updated_at } else { case.closed_at.unwrap_or(case.updated_at) };
    Ok(json!({
        "service_request_id": case.id.to_string(),
        "status": if case.status.is_open() { "open" } else { "closed" },
        "status_notes": case.status.name_zh(),
        "service_name": category.map(|c| c.name_zh),
        "service_code": case.category,
        "description": mask_text(&case.description),
        "agency_responsible": case.assignee_name,
        "service_notice": null,
        "requested_datetime": crate::time::to_rfc3339(case.created_at),
        "updated_datetime": crate::time::to_rfc3339(updated),
        "expected_datetime": case.due_at.map(crate::time::to_rfc3339),
        "address": case.address,
        "address_id": case.building_code,
        "zipcode": null,
        "lat": case.lat,
        "long": case.lng,
        "media_url": photo.map(|(sha,)| format!("{base}/attachments/{sha}")),
    }))
}
