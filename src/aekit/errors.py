"""One exception family for everything a user can get wrong.

The CLI turns any ``AekitError`` into one line on stderr and exit code 2. The
subclasses also derive from the built-in exception a Python user would expect
(``ValueError`` for bad data), so scikit-learn's conventions keep working.
"""


class AekitError(Exception):
    """Base class: a problem the user can fix (bad data, bad argument, bad file)."""


class DataError(AekitError, ValueError):
    """Input data is empty, malformed, non-numeric, non-finite or of the wrong shape."""


class ConfigError(AekitError, ValueError):
    """An argument or a combination of arguments is invalid."""


class ModelFileError(AekitError, OSError):
    """A saved model is missing, corrupt, truncated, or from a newer aekit."""


class OutputExistsError(AekitError, FileExistsError):
    """An output path already exists and overwriting was not asked for."""


class TrainingError(AekitError, RuntimeError):
    """Training cannot go on (for example the loss became NaN or infinite)."""


class NotFittedError(AekitError, AttributeError):
    """The estimator was used before ``fit``."""
