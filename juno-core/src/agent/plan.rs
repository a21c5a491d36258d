//! The writes that carry out a triage proposal: what the approver signs and the executor
//! makes, decided here so that both see exactly the same thing.

use crate::executor::Write;
use crate::model::{Priority, Ticket, User};
use crate::triage::{TriageAction, TriageProposal};

/// The label JUNO puts on a ticket it escalated.
pub const ESCALATED_LABEL: &str = "juno-escalated";
/// The label JUNO puts on a ticket it deferred.
pub const DEFERRED_LABEL: &str = "juno-deferred";
/// The status a closed ticket moves to.
pub const CLOSED_STATUS: &str = "Done";

fn raised(p: Priority) -> Priority {
    match p {
        Priority::Highest | Priority::High => Priority::Highest,
        Priority::Medium => Priority::High,
        Priority::Low => Priority::Medium,
        Priority::Lowest => Priority::Low,
    }
}

/// The writes for `proposal` on `ticket`. `workload` lists the team's people with their
/// open assigned tickets; a reassignment goes to the least loaded one other than the
/// current assignee (ties by name), or — when there is nobody — only a comment asks the
/// team lead to find someone.
///
/// Comments quote no ticket text: Jira text is untrusted and is never echoed back.
pub fn plan_writes(
    proposal: &TriageProposal,
    ticket: &Ticket,
    workload: &[(User, usize)],
) -> Vec<Write> {
    let key = ticket.key.clone();
    let idle = proposal.idle_days.floor();
    let comment = |body: String| Write::Comment {
        key: key.clone(),
        body,
    };
    match proposal.action {
        TriageAction::Escalate => vec![
            comment(format!(
                "JUNO: this ticket has had no activity for {idle} days and is {}; escalating it \
                 for a decision.",
                proposal.staleness.as_str()
            )),
            Write::AddLabel {
                key: key.clone(),
                label: ESCALATED_LABEL.into(),
            },
        ],
        TriageAction::Reassign => {
            let current = ticket.assignee.as_ref();
            let to = workload
                .iter()
                .filter(|(u, _)| Some(u) != current)
                .min_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.as_str().cmp(b.0.as_str())))
                .map(|(u, _)| u.clone());
            match to {
                Some(to) => vec![
                    Write::Assign {
                        key: key.clone(),
                        from: ticket.assignee.clone(),
                        to: Some(to.clone()),
                    },
                    comment(format!(
                        "JUNO: no activity for {idle} days; reassigned to {} (fewest open \
                         tickets on the team).",
                        to.as_str()
                    )),
                ],
                None => vec![comment(format!(
                    "JUNO: no activity for {idle} days and nobody else on the team to take it; \
                     team lead, please find an owner."
                ))],
            }
        }
        TriageAction::RequestInfo => {
            let mut missing = Vec::new();
            if ticket.has_description == Some(false) {
                missing.push("a description");
            }
            if ticket.estimated == Some(false) {
                missing.push("an estimate");
            }
            if missing.is_empty() {
                missing.push("more detail");
            }
            vec![comment(format!(
                "JUNO: this ticket needs {} before it can be planned.",
                missing.join(" and ")
            ))]
        }
        TriageAction::UpdatePriority => {
            let from = ticket.priority;
            let to = raised(from.unwrap_or(Priority::Medium));
            vec![
                Write::SetPriority {
                    key: key.clone(),
                    from,
                    to,
                },
                comment(format!(
                    "JUNO: idle for {idle} days while it blocks other work; priority raised to {}.",
                    to.as_str()
                )),
            ]
        }
        TriageAction::Defer => vec![
            Write::AddLabel {
                key: key.clone(),
                label: DEFERRED_LABEL.into(),
            },
            comment(format!(
                "JUNO: no activity for {idle} days; deferred until the team picks it up again."
            )),
        ],
        TriageAction::Close => vec![
            Write::Transition {
                key: key.clone(),
                from: ticket.status.clone(),
                to: CLOSED_STATUS.into(),
            },
            comment(format!(
                "JUNO: no activity for {idle} days; closed as abandoned. Reopen it if it still matters."
            )),
        ],
    }
}
