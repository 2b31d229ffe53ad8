"""Errors raised by the statistics engine."""


class EngineError(ValueError):
    """Input a person must fix before the analysis can run.

    The message names the column or parameter at fault and says what to change, so the
    portal can show it as is on a failed run.
    """
