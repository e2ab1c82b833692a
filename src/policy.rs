//! The policy decision for a request that names a handle: may this agent, on this route, use
//! this method on this path?
//!
//! Every decision carries a short reason label and, when a rule decided, the rule's name, so that
//! each request yields one audit line that explains it. Destination binding (is this host one the
//! handle's route names?) is checked before this, in both modes, and is not a policy question.

use std::sync::Arc;

use http::Method;

use crate::config::Mode;
use crate::routes::{Action, Route};

/// The outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    Deny,
    /// Report mode: the rules deny, the request goes through, the audit says so.
    WouldDeny,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::WouldDeny => "would_deny",
        }
    }
}

/// A decision and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    /// `agent_not_allowed`, `rule_allow`, `rule_deny`, `no_matching_rule`.
    pub reason: &'static str,
    /// The deciding rule's name.
    pub rule: Option<Arc<str>>,
    /// The deciding rule's human-written reason, if any.
    pub message: Option<Arc<str>>,
}

/// Decides for `agent` calling `method path` through `route`. `path` is the canonical path that
/// will be forwarded.
pub fn decide(route: &Route, agent: &str, method: &Method, path: &str) -> Decision {
    if !route.agents.contains(agent) {
        return Decision {
            outcome: Outcome::Deny,
            reason: "agent_not_allowed",
            rule: None,
            message: None,
        };
    }
    let (outcome, reason, rule, message) =
        match route.rules.iter().find(|r| r.matches(method, path)) {
            Some(r) => match r.action {
                Action::Allow => (Outcome::Allow, "rule_allow", Some(r.name.clone()), None),
                // `approve` is refused at load time; treat it as deny should it ever get here.
                Action::Deny | Action::Approve => (
                    Outcome::Deny,
                    "rule_deny",
                    Some(r.name.clone()),
                    r.reason.clone(),
                ),
            },
            None => (Outcome::Deny, "no_matching_rule", None, None),
        };
    let outcome = match (outcome, route.mode) {
        (Outcome::Deny, Mode::Report) => Outcome::WouldDeny,
        (o, _) => o,
    };
    Decision {
        outcome,
        reason,
        rule,
        message,
    }
}
