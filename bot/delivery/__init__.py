"""Exactly-once outbound messages: the send ledger (outbox), pacing (sender), the prompt dispatcher, introductions."""
