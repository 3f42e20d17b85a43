//! Who may see a case and who may do what to it. Pure rules over the actor's
//! grants and the case's place, tested on their own.

use super::workflow::Action;
use crate::auth::Role;
use crate::auth::{Actor, PersonActor};
use crate::routing::AssigneeKind;

/// What the rules need to know about a case.
#[derive(Debug, Clone, Default)]
pub struct CaseFacts {
    pub id: i64,
    pub node_path: String,
    pub property_company_id: Option<i64>,
    pub assignee_kind: Option<AssigneeKind>,
    pub assignee_org_id: Option<i64>,
    pub assignee_person_id: Option<i64>,
    pub assignee_node_path: Option<String>,
    /// People who reported it (after merges, all of them).
    pub reporter_ids: Vec<i64>,
}

/// Whether the actor may read the case.
pub fn can_view(actor: &Actor, case: &CaseFacts) -> bool {
    match actor {
        Actor::System => true,
        Actor::CaseReporter { case_id } => *case_id == case.id,
        // Open311 shows every request publicly (masked); clients comment on them.
        Actor::ApiClient { .. } => true,
        Actor::Anonymous | Actor::Channel { .. } => false,
        Actor::Person(p) => {
            p.covers(Role::AREA_STAFF, &case.node_path)
                || p.in_organisation(Role::PropertyStaff, case.property_company_id)
                || is_assignee(p, case)
                || case.reporter_ids.contains(&p.person_id)
        }
    }
}

/// Whether the person is (one of) the party the case is assigned to.
pub fn is_assignee(p: &PersonActor, case: &CaseFacts) -> bool {
    match case.assignee_kind {
        Some(AssigneeKind::Property) => p.in_organisation(Role::PropertyStaff, case.assignee_org_id),
        Some(AssigneeKind::Department) => p.in_organisation(Role::DepartmentOfficer, case.assignee_org_id),
        Some(AssigneeKind::GridHead) => {
            case.assignee_person_id == Some(p.person_id)
                || case.assignee_node_path.as_deref().is_some_and(|path| p.covers(&[Role::GridHead], path))
        }
        Some(AssigneeKind::Community) => {
            case.assignee_node_path.as_deref().is_some_and(|path| p.covers(&[Role::CommunityStaff], path))
        }
        None => false,
    }
}

/// Whether the actor may perform `action` on the case, regardless of its
/// status (the workflow checks that).
pub fn may(actor: &Actor, action: Action, case: &CaseFacts) -> bool {
    use Action as A;
    use Role as R;
    let p = match actor {
        Actor::System => return true,
        Actor::ApiClient { .. } => return matches!(action, A::Report | A::Comment),
        Actor::Anonymous | Actor::Channel { .. } => return action == A::Report,
        Actor::CaseReporter { case_id } => {
            return *case_id == case.id && matches!(action, A::Close | A::Rework | A::Evaluate | A::Comment);
        }
        Actor::Person(p) => p,
    };
    let in_scope = |roles: &[Role]| p.covers(roles, &case.node_path);
    let reporter = case.reporter_ids.contains(&p.person_id);
    match action {
        A::Report => true,
        // Micro-grid members filter their building's reports: confirm, merge, or dismiss.
        A::Register | A::Merge | A::Reject => in_scope(R::SCREENERS),
        A::Dispatch | A::Reopen => in_scope(R::DISPATCHERS),
        A::Accept | A::SendBack | A::Resolve => is_assignee(p, case),
        A::Close | A::Rework => reporter || in_scope(R::VERIFIERS),
        A::Evaluate => reporter || in_scope(&[R::CommunityStaff]),
        A::Escalate => is_assignee(p, case) || in_scope(R::VERIFIERS),
        A::Suspend | A::Resume => in_scope(R::SUPERVISORS),
        A::Comment => can_view(actor, case),
        A::Remind => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Grant;

    /// Street /1/2/, community /1/2/3/, grids /1/2/3/4/ and /1/2/3/5/,
    /// micro-grid /1/2/3/4/6/; a second community /1/2/7/ with grid /1/2/7/8/.
    fn person(id: i64, grants: &[(Role, Option<&str>, Option<i64>)]) -> Actor {
        Actor::Person(PersonActor {
            person_id: id,
            account_id: id,
            name: format!("p{id}"),
            grants: grants
                .iter()
                .map(|(role, path, org)| Grant {
                    role: *role,
                    node_id: None,
                    node_path: path.map(str::to_string),
                    organisation_id: *org,
                })
                .collect(),
        })
    }

    fn lighting_case_in_grid_4() -> CaseFacts {
        CaseFacts {
            id: 42,
            node_path: "/1/2/3/4/6/".into(),
            property_company_id: Some(10),
            assignee_kind: Some(AssigneeKind::Property),
            assignee_org_id: Some(10),
            assignee_person_id: None,
            assignee_node_path: None,
            reporter_ids: vec![99],
        }
    }

    #[test]
    fn roles_act_only_in_their_scope() {
        let case = lighting_case_in_grid_4();
        let member = person(1, &[(Role::MicroGridMember, Some("/1/2/3/4/6/"), None)]);
        let head_here = person(2, &[(Role::GridHead, Some("/1/2/3/4/"), None)]);
        let head_next_grid = person(3, &[(Role::GridHead, Some("/1/2/3/5/"), None)]);
        let staff_other_community = person(4, &[(Role::CommunityStaff, Some("/1/2/7/"), None)]);
        let property = person(5, &[(Role::PropertyStaff, None, Some(10))]);
        let other_property = person(6, &[(Role::PropertyStaff, None, Some(11))]);
        let reporter = person(99, &[]);
        let centre = person(7, &[(Role::CommandCentre, Some("/1/2/"), None)]);

        assert!(may(&member, Action::Register, &case));
        assert!(!may(&member, Action::Dispatch, &case));
        assert!(may(&member, Action::Close, &case));
        assert!(may(&head_here, Action::Dispatch, &case));
        assert!(!may(&head_next_grid, Action::Register, &case));
        assert!(!can_view(&head_next_grid, &case));
        assert!(!can_view(&staff_other_community, &case));
        assert!(may(&property, Action::Accept, &case) && may(&property, Action::Resolve, &case));
        assert!(!may(&property, Action::Close, &case), "the unit does not verify its own work");
        assert!(!may(&other_property, Action::Accept, &case) && !can_view(&other_property, &case));
        assert!(may(&reporter, Action::Close, &case) && may(&reporter, Action::Evaluate, &case));
        assert!(!may(&reporter, Action::Dispatch, &case));
        assert!(may(&centre, Action::Suspend, &case) && can_view(&centre, &case));
        assert!(!may(&Actor::Anonymous, Action::Comment, &case));
        assert!(may(&Actor::Anonymous, Action::Report, &case));
        assert!(may(&Actor::System, Action::Escalate, &case));
        let token_holder = Actor::CaseReporter { case_id: case.id };
        assert!(may(&token_holder, Action::Evaluate, &case) && can_view(&token_holder, &case));
        assert!(!may(&token_holder, Action::Dispatch, &case));
        let other_token = Actor::CaseReporter { case_id: case.id + 1 };
        assert!(!can_view(&other_token, &case) && !may(&other_token, Action::Close, &case));
    }

    #[test]
    fn a_grid_head_assignee_handles_the_case() {
        let mut case = lighting_case_in_grid_4();
        case.assignee_kind = Some(AssigneeKind::GridHead);
        case.assignee_org_id = None;
        case.assignee_person_id = Some(2);
        case.assignee_node_path = Some("/1/2/3/4/".into());
        let head = person(2, &[(Role::GridHead, Some("/1/2/3/4/"), None)]);
        let property = person(5, &[(Role::PropertyStaff, None, Some(10))]);
        assert!(may(&head, Action::Accept, &case));
        assert!(!may(&property, Action::Accept, &case));
        assert!(can_view(&property, &case), "property staff still see cases in the buildings they manage");
    }

    #[test]
    fn departments_see_what_is_assigned_to_them() {
        let mut case = lighting_case_in_grid_4();
        case.assignee_kind = Some(AssigneeKind::Department);
        case.assignee_org_id = Some(20);
        let officer = person(8, &[(Role::DepartmentOfficer, None, Some(20))]);
        let other = person(9, &[(Role::DepartmentOfficer, None, Some(21))]);
        assert!(may(&officer, Action::Resolve, &case) && can_view(&officer, &case));
        assert!(!can_view(&other, &case));
    }
}
