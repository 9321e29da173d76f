"""Pure domain code: no Slack, no database. The catalog, the program's schedule and topics, time zones, matching."""
