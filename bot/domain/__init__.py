"""Pure domain code: no Slack, no database."""
