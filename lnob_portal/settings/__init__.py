"""Settings package: base (shared), local (default, zero set-up), test, production."""
