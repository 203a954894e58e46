//! User tasks: the waits that name who may complete them, as an inbox.

use crate::id::InstanceId;
use std::time::SystemTime;

/// Someone completing user tasks: a user name and the groups they belong
/// to, as the application's own authentication established them.
///
/// ```
/// use flow_runtime::User;
///
/// let alice = User::new("alice").in_group("manager");
/// assert_eq!(alice.name(), "alice");
/// assert_eq!(alice.groups(), ["manager"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    name: String,
    groups: Vec<String>,
}

impl User {
    /// The user `name`, in no group.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            groups: Vec::new(),
        }
    }

    /// The same user, also a member of `group`.
    pub fn in_group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    /// The user's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The groups the user belongs to.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// Whether this user may complete a wait for `assignee` and `groups`:
    /// they are its assignee, or in one of its groups.
    pub(crate) fn may_complete(&self, assignee: Option<&str>, groups: &[String]) -> bool {
        assignee == Some(self.name.as_str()) || groups.iter().any(|g| self.groups.contains(g))
    }
}

/// An open user task: an instance parked at a `wait` that names who may
/// complete it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTask {
    /// The instance.
    pub instance: InstanceId,
    /// Its flow.
    pub flow: String,
    /// The wait.
    pub wait: String,
    /// The user who may complete it, if it names one.
    pub assignee: Option<String>,
    /// The groups whose members may complete it.
    pub groups: Vec<String>,
    /// Since when it is open.
    pub since: SystemTime,
    /// The instance's business key, if it has one.
    pub key: Option<String>,
}
