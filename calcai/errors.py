"""The errors calcai raises on purpose, and the exit code each one maps to."""

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_LIMIT = 3
EXIT_INTERNAL = 4


class CalcaiError(Exception):
    """A user-facing error: its message is one line that names the problem."""

    exit_code = EXIT_BAD_INPUT


class ParseError(CalcaiError, ValueError):
    """An expression string that calcai refuses to read; ``position`` is the 0-based column."""

    def __init__(self, message: str, position: int = 0, text: str = ""):
        super().__init__(message)
        self.message = message
        self.position = position
        self.text = text

    def __str__(self) -> str:
        return f"{self.message} (at column {self.position + 1})"

    def caret(self) -> str:
        """The offending text with a caret under the column, for terminals."""
        return f"  {self.text}\n  {' ' * self.position}^"


class LimitError(CalcaiError):
    """The input asks for more work than a limit allows (see calcai.limits)."""

    exit_code = EXIT_LIMIT


class MathError(CalcaiError, ValueError):
    """The mathematics has no answer here: undefined, complex, infinite, or unsolvable."""
