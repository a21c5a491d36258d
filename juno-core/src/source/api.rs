//! `juno.source()`: sync a source into the store.
