//! The scheduler's lease: one cycle at a time on one database, and a crashed holder's
//! lease taken over.

use chrono::{Duration, Utc};

use super::api::{Agent, LEASE_NAME};
use crate::error::{Error, Result};
use crate::store::agent as sql;
use crate::store::to_ms;

/// How long a lease lasts when its holder dies without giving it back.
const LEASE_MINUTES: i64 = 15;

impl Agent<'_> {
    /// Takes the cycle lease for `holder`.
    pub(super) fn acquire(&self, holder: &str) -> Result<()> {
        let now = Utc::now();
        let got = self.juno.store().write(|tx| {
            sql::acquire_lease(
                tx,
                LEASE_NAME,
                holder,
                to_ms(now),
                to_ms(now + Duration::minutes(LEASE_MINUTES)),
            )
        })?;
        if got {
            return Ok(());
        }
        // A holder on this machine whose process is gone (it crashed mid-cycle) keeps no
        // lease: take it over rather than wait for it to expire.
        let current = self
            .juno
            .store()
            .read(|c| sql::lease_holder(c, LEASE_NAME))?;
        if let Some(dead) = current.filter(|h| holder_is_dead(h)) {
            let took = self.juno.store().write(|tx| {
                sql::take_lease(
                    tx,
                    LEASE_NAME,
                    &dead,
                    holder,
                    to_ms(now + Duration::minutes(LEASE_MINUTES)),
                )
            })?;
            if took {
                return Ok(());
            }
        }
        Err(Error::InvalidState {
            reason: "another agent cycle is running on this database".into(),
        })
    }
}

/// This machine's name (for the lease holder), or `localhost` when it cannot be read.
pub(super) fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty() && !s.contains(':'))
        .unwrap_or_else(|| "localhost".into())
}

/// Whether a lease `holder` (`host:pid:thread:ms`) is a process of this machine that no
/// longer runs. Only answerable where `/proc` lists processes (Linux); elsewhere a lease
/// waits for its expiry.
pub(super) fn holder_is_dead(holder: &str) -> bool {
    let mut parts = holder.split(':');
    let (Some(host), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    let proc_root = std::path::Path::new("/proc/self");
    host == host_name()
        && proc_root.exists()
        && pid
            .parse::<u32>()
            .is_ok_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists())
}
