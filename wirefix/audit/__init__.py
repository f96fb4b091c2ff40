"""The hash-chained audit log and the reports read from it."""
