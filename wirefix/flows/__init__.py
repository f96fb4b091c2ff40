"""The stages composed: one notice, the scheduled run, the service, the queue."""
