//! The case state machine: the seven steps of the national digital urban
//! management workflow (CJ/T 214) plus escalation, send-back, rework,
//! suspension, reopening, rejection and merging. Pure rules, no I/O.

use serde::Serialize;

crate::text_enum! {
    /// Where a case stands.
    pub enum Status {
        /// 1 信息收集: reported, waiting to be registered.
        Reported = "reported",
        /// 2 案卷建立: accepted as a case, waiting to be dispatched.
        Registered = "registered",
        /// 3 任务派遣: assigned to a unit, waiting for it to take the job.
        Dispatched = "dispatched",
        /// 4 任务处理: the unit is working on it.
        InProgress = "in_progress",
        /// 5 处理反馈: the unit reports it done; waiting for verification.
        Resolved = "resolved",
        /// 6 核查结案: verified and closed.
        Closed = "closed",
        /// 7 综合评价: the reporter has rated it.
        Evaluated = "evaluated",
        /// 缓办: paused with a reason.
        Suspended = "suspended",
        /// 不予受理: not a public matter.
        Rejected = "rejected",
        /// 已合并: a duplicate of another case.
        Merged = "merged",
    }
}

impl Status {
    pub fn name_zh(self) -> &'static str {
        match self {
            Status::Reported => "待受理",
            Status::Registered => "已立案",
            Status::Dispatched => "已派遣",
            Status::InProgress => "处理中",
            Status::Resolved => "已处置待核查",
            Status::Closed => "已结案",
            Status::Evaluated => "已评价",
            Status::Suspended => "缓办",
            Status::Rejected => "不予受理",
            Status::Merged => "已合并",
        }
    }

    /// Open311's two-valued status.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Evaluated | Status::Rejected | Status::Merged)
    }

    /// Whether the case counts as finished for deadlines and indicators.
    pub fn is_finished(self) -> bool {
        matches!(self, Status::Closed | Status::Evaluated)
    }
}

crate::text_enum! {
    /// Something someone does to a case. Every action appends one event.
    pub enum Action {
        /// The report arrives (step 1).
        Report = "report",
        Register = "register",
        Reject = "reject",
        Merge = "merge",
        Dispatch = "dispatch",
        /// The unit takes the job (签收).
        Accept = "accept",
        /// 退回: wrongly assigned, back to the dispatcher.
        SendBack = "send_back",
        /// 处置反馈: the unit reports it done.
        Resolve = "resolve",
        /// 核查结案: verified on site, closed.
        Close = "close",
        /// 返工: not fixed after all.
        Rework = "rework",
        Evaluate = "evaluate",
        /// 上报: one level up (grid head → community → street).
        Escalate = "escalate",
        Suspend = "suspend",
        Resume = "resume",
        Reopen = "reopen",
        /// A note that changes nothing.
        Comment = "comment",
        /// A deadline is near.
        Remind = "remind",
    }
}

impl Action {
    pub fn name_zh(self) -> &'static str {
        match self {
            Action::Report => "上报问题",
            Action::Register => "立案",
            Action::Reject => "不予受理",
            Action::Merge => "合并重复",
            Action::Dispatch => "派遣",
            Action::Accept => "签收",
            Action::SendBack => "退回",
            Action::Resolve => "处置反馈",
            Action::Close => "核查结案",
            Action::Rework => "返工",
            Action::Evaluate => "评价",
            Action::Escalate => "上报上级",
            Action::Suspend => "缓办",
            Action::Resume => "恢复办理",
            Action::Reopen => "重新办理",
            Action::Comment => "备注",
            Action::Remind => "超期提醒",
        }
    }

    /// Actions a person (or client) may ask for through the API; the rest
    /// are performed by linli itself.
    pub fn is_requestable(self) -> bool {
        !matches!(self, Action::Report | Action::Remind)
    }
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Illegal {
    pub from: Status,
    pub action: Action,
    /// What may be done from `from` instead.
    pub allowed: Vec<Action>,
}

impl From<Illegal> for crate::error::Illegal {
    fn from(i: Illegal) -> Self {
        crate::error::Illegal {
            from: i.from.code(),
            from_name: i.from.name_zh(),
            action: i.action.code(),
            action_name: i.action.name_zh(),
            allowed: i.allowed.iter().map(|a| a.code()).collect(),
        }
    }
}

/// The status after `action` from `from`, or why not. `resume_to` is where a
/// suspended case returns.
pub fn next(from: Status, action: Action, resume_to: Option<Status>) -> Result<Status, Illegal> {
    transition(from, action, resume_to).ok_or_else(|| Illegal { from, action, allowed: allowed_from(from) })
}

/// Every requestable action that is legal from `from`.
pub fn allowed_from(from: Status) -> Vec<Action> {
    Action::ALL.iter().copied().filter(|a| a.is_requestable() && transition(from, *a, None).is_some()).collect()
}

/// The one table of legal moves.
fn transition(from: Status, action: Action, resume_to: Option<Status>) -> Option<Status> {
    use Action as A;
    use Status as S;
    Some(match (from, action) {
        (S::Reported, A::Register) => S::Registered,
        (S::Reported | S::Registered, A::Reject) => S::Rejected,
        (S::Reported | S::Registered, A::Merge) => S::Merged,
        (S::Registered, A::Dispatch) => S::Dispatched,
        (S::Dispatched, A::Accept) => S::InProgress,
        (S::Dispatched | S::InProgress, A::SendBack) => S::Registered,
        (S::Dispatched | S::InProgress, A::Resolve) => S::Resolved,
        (S::Resolved, A::Close) => S::Closed,
        (S::Resolved, A::Rework) => S::InProgress,
        (S::Closed, A::Evaluate) => S::Evaluated,
        (S::Registered | S::Dispatched | S::InProgress | S::Resolved, A::Escalate) => from,
        (S::Dispatched | S::InProgress, A::Suspend) => S::Suspended,
        (S::Suspended, A::Resume) => match resume_to {
            Some(s @ (S::Dispatched | S::InProgress)) => s,
            _ => S::Dispatched,
        },
        (S::Closed | S::Evaluated | S::Rejected, A::Reopen) => S::Registered,
        (S::Dispatched | S::InProgress | S::Suspended, A::Remind) => from,
        (s, A::Comment) => s,
        _ => return None,
    })
}

/// A status's and an action's names in the page's language.
impl crate::ui::i18n::Texts {
    pub fn status(&self, s: &Status) -> &'static str {
        if self.lang == "en" {
            match s {
                Status::Reported => "Reported",
                Status::Registered => "Registered",
                Status::Dispatched => "Dispatched",
                Status::InProgress => "In progress",
                Status::Resolved => "Fixed, to verify",
                Status::Closed => "Closed",
                Status::Evaluated => "Rated",
                Status::Suspended => "Suspended",
                Status::Rejected => "Rejected",
                Status::Merged => "Merged",
            }
        } else {
            s.name_zh()
        }
    }

    pub fn action(&self, a: &Action) -> &'static str {
        if self.lang == "en" {
            match a {
                Action::Report => "Report",
                Action::Register => "Register",
                Action::Reject => "Reject",
                Action::Merge => "Merge",
                Action::Dispatch => "Dispatch",
                Action::Accept => "Accept",
                Action::SendBack => "Send back",
                Action::Resolve => "Report fixed",
                Action::Close => "Verify and close",
                Action::Rework => "Rework",
                Action::Evaluate => "Rate",
                Action::Escalate => "Escalate",
                Action::Suspend => "Suspend",
                Action::Resume => "Resume",
                Action::Reopen => "Reopen",
                Action::Comment => "Comment",
                Action::Remind => "Reminder",
            }
        } else {
            a.name_zh()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seven_steps_in_order() {
        let mut s = Status::Reported;
        for (action, expected) in [
            (Action::Register, Status::Registered),
            (Action::Dispatch, Status::Dispatched),
            (Action::Accept, Status::InProgress),
            (Action::Resolve, Status::Resolved),
            (Action::Close, Status::Closed),
            (Action::Evaluate, Status::Evaluated),
        ] {
            s = next(s, action, None).expect("legal");
            assert_eq!(s, expected);
        }
    }

    #[test]
    fn rework_send_back_and_suspension() {
        assert_eq!(next(Status::Resolved, Action::Rework, None), Ok(Status::InProgress));
        assert_eq!(next(Status::InProgress, Action::SendBack, None), Ok(Status::Registered));
        assert_eq!(next(Status::InProgress, Action::Suspend, None), Ok(Status::Suspended));
        assert_eq!(next(Status::Suspended, Action::Resume, Some(Status::InProgress)), Ok(Status::InProgress));
        assert_eq!(next(Status::Suspended, Action::Resume, None), Ok(Status::Dispatched));
        assert_eq!(next(Status::Closed, Action::Reopen, None), Ok(Status::Registered));
        assert_eq!(next(Status::InProgress, Action::Escalate, None), Ok(Status::InProgress));
    }

    #[test]
    fn illegal_moves_list_what_is_allowed() {
        let err = next(Status::Reported, Action::Close, None).expect_err("cannot close an unregistered report");
        assert_eq!(err.allowed, vec![Action::Register, Action::Reject, Action::Merge, Action::Comment]);
        let err = next(Status::Merged, Action::Reopen, None).expect_err("merged is final");
        assert_eq!(err.allowed, vec![Action::Comment]);
    }

    #[test]
    fn finished_and_open() {
        assert!(Status::Closed.is_finished() && !Status::Closed.is_open());
        assert!(!Status::Resolved.is_finished() && Status::Resolved.is_open());
        assert!(!Status::Rejected.is_finished() && !Status::Rejected.is_open());
    }
}
