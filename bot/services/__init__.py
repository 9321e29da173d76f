"""Use cases: typed inputs in, typed results or domain exceptions out. No Slack payloads, no Block Kit."""
