"""The shared kernel: small pure-Python helpers used by several apps (no Django models)."""
