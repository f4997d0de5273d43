"""Seteli notifications: email in Finnish and Swedish, outgoing messages and their delivery log."""
