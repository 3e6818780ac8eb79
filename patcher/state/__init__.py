"""patcher's own state: hashes, atomic writes, journal, transactions, the run lock, the state directory."""
