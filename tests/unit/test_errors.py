"""The AmphiError family's default messages."""

from core.platform.errors import AmphiError, ConfigurationError


def test_an_error_without_a_message_says_the_first_line_of_its_docstring():
    assert ConfigurationError().message == "The configuration is wrong; the message names the setting."
    assert ConfigurationError("amphi.x is wrong").message == "amphi.x is wrong"


def test_an_error_class_without_a_docstring_says_its_name():
    class QueueDown(AmphiError):
        pass

    assert QueueDown().message == "QueueDown"
