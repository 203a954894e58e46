//! Recording what an instance does: the journal at the instance's history
//! level, the observers, and the one clock reading the events of a node
//! share between two awaits.

use super::scope::{Records, Scope};
use crate::flow::Flow;
use crate::journal::Event;
use crate::observe::Observation;
use std::sync::{MutexGuard, PoisonError};
use std::time::SystemTime;

/// Time since the start, and the wall-clock time it stands for.
pub(super) type Stamp = (std::time::Duration, SystemTime);

impl<F: Flow> Scope<F> {
    /// The records, without a lock: for the machine between two awaits,
    /// when no branch can hold them.
    pub(super) fn records(&mut self) -> &mut Records<F> {
        self.records
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Records `event` from a branch (or anywhere the records are shared):
    /// the journal keeps it if the history level does, and the observers
    /// see it after the lock is released, so an observer cannot stall the
    /// branches. Branches run concurrently, so this reads the clock.
    pub(crate) fn record(&self, event: Event<F::Node>) {
        let mut records = self.lock();
        records.stale();
        self.record_in(records, event);
    }

    /// Records `event` on the instance's sequential path: no lock, and the
    /// time of the last clock reading if nothing was awaited since (the
    /// machine marks the records stale around every await).
    #[inline]
    pub(crate) fn record_here(&mut self, event: Event<F::Node>) {
        let observed = !self.hooks.observers.is_empty();
        let keeps = self.hooks.history.keeps(&event);
        // Inlined, so that at a level that drops the event nothing of it is
        // built.
        if !observed && !keeps {
            return;
        }
        if let Some(seen) = self.records().keep(event, keeps, observed) {
            self.notify(seen);
        }
    }

    fn record_in(&self, mut records: MutexGuard<'_, Records<F>>, event: Event<F::Node>) {
        let keeps = self.hooks.history.keeps(&event);
        let seen = records.keep(event, keeps, !self.hooks.observers.is_empty());
        drop(records);
        if let Some(seen) = seen {
            self.notify(seen);
        }
    }

    fn notify(&self, ((elapsed, at), event): (Stamp, Event<&'static str>)) {
        let observation = Observation {
            flow: F::GRAPH.name(),
            instance: self.instance,
            elapsed,
            at,
            event: &event,
        };
        for observer in &self.hooks.observers {
            observer.observe(&observation);
        }
    }

    /// Enters `node` from a branch: a visit on the path and an `Entered`
    /// event (not again for a visit a region replays). Returns which visit
    /// of the node this is.
    pub(crate) fn enter(&self, node: F::Node) -> u32 {
        let mut records = self.lock();
        let (iteration, replayed) = records.visit(node);
        if !replayed {
            records.stale();
            self.record_in(records, Event::Entered { node, iteration });
        }
        iteration
    }

    /// Enters `node` on the instance's sequential path, as
    /// [`record_here`](Scope::record_here) records.
    pub(super) fn enter_here(&mut self, node: F::Node) -> u32 {
        let (iteration, replayed) = self.records().visit(node);
        if !replayed {
            self.record_here(Event::Entered { node, iteration });
        }
        iteration
    }
}

impl<F: Flow> Records<F> {
    /// The last clock reading while it holds, else a new one (one clock
    /// read: see `clock::now`).
    fn stamp(&mut self) -> Stamp {
        if let Some(stamp) = self.stamp {
            return stamp;
        }
        let at = crate::clock::now();
        let stamp = (at.duration_since(self.started_at).unwrap_or_default(), at);
        self.stamp = Some(stamp);
        stamp
    }

    /// Puts `event` in the journal if the history level `keeps` it; what
    /// the observers are to see of it, if there are any.
    fn keep(
        &mut self,
        event: Event<F::Node>,
        keeps: bool,
        observed: bool,
    ) -> Option<(Stamp, Event<&'static str>)> {
        if !keeps && !observed {
            return None;
        }
        let stamp = self.stamp();
        let named = observed.then(|| event.named());
        if keeps {
            self.journal.push(stamp.0, stamp.1, event);
        }
        named.map(|named| (stamp, named))
    }
}
