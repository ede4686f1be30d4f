"""Telling a client's server that its work moved, signed per the Standard Webhooks scheme."""
