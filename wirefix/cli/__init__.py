"""The `wirefix` command: options, rendering, exit codes."""
