//! The roles people hold in the grid, and the groups of them the rules
//! speak of (docs/domain.md, "People and roles").

crate::text_enum! {
    /// What someone does in the grid (docs/domain.md, "People and roles").
    pub enum Role {
        Resident = "resident",
        MicroGridMember = "micro_grid_member",
        GridHead = "grid_head",
        CommunityStaff = "community_staff",
        PropertyStaff = "property_staff",
        DepartmentOfficer = "department_officer",
        CommandCentre = "command_centre",
        PartyMember = "party_member",
        Admin = "admin",
    }
}

/// The groups of roles the rules speak of, named once.
impl Role {
    /// Everyone who works an area's cases, from the building's volunteer to
    /// the command centre (and administrators).
    pub const AREA_STAFF: &'static [Role] =
        &[Role::MicroGridMember, Role::GridHead, Role::CommunityStaff, Role::CommandCentre, Role::Admin];
    /// Those who screen an area's reports (confirm, merge, dismiss) and may
    /// call a reporter back.
    pub const SCREENERS: &'static [Role] =
        &[Role::MicroGridMember, Role::GridHead, Role::CommunityStaff, Role::CommandCentre];
    /// Those who dispatch and reopen an area's cases.
    pub const DISPATCHERS: &'static [Role] = &[Role::GridHead, Role::CommunityStaff, Role::CommandCentre];
    /// Those who verify a fix on site, or order rework, and escalate.
    pub const VERIFIERS: &'static [Role] = &[Role::MicroGridMember, Role::GridHead, Role::CommunityStaff];
    /// Those who pause and resume cases.
    pub const SUPERVISORS: &'static [Role] = &[Role::CommunityStaff, Role::CommandCentre];
    /// Those who configure an area: routing rules, robots, bindings, people.
    pub const MANAGERS: &'static [Role] = &[Role::Admin, Role::CommunityStaff, Role::CommandCentre];
    /// Those who watch an area on the command centre.
    pub const OVERSEERS: &'static [Role] = &[Role::Admin, Role::CommandCentre, Role::CommunityStaff, Role::GridHead];
    /// The roles posted on a building's notice board.
    pub const PUBLICISED: &'static [Role] = &[Role::MicroGridMember, Role::GridHead, Role::PartyMember];

    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Resident => "居民",
            Role::MicroGridMember => "微网格员",
            Role::GridHead => "网格长",
            Role::CommunityStaff => "社区工作人员",
            Role::PropertyStaff => "物业人员",
            Role::DepartmentOfficer => "职能部门人员",
            Role::CommandCentre => "指挥中心",
            Role::PartyMember => "党员",
            Role::Admin => "系统管理员",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Role::Resident => "Resident",
            Role::MicroGridMember => "Micro-grid member",
            Role::GridHead => "Grid head",
            Role::CommunityStaff => "Community staff",
            Role::PropertyStaff => "Property staff",
            Role::DepartmentOfficer => "Department officer",
            Role::CommandCentre => "Command centre",
            Role::PartyMember => "Party member",
            Role::Admin => "Administrator",
        }
    }
}

/// A role's name in the page's language.
impl crate::ui::i18n::Texts {
    pub fn role(&self, r: &Role) -> &'static str {
        if self.is_en() { r.name_en() } else { r.name_zh() }
    }
}
