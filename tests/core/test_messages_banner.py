"""A message is shown as what it is: a problem is never announced as "Success"."""

from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string


def banner(level, text):
    return render_to_string("components/forms/messages.html", {"messages": [Message(level, text)]})


def test_a_success_is_a_green_success_banner():
    html = banner(constants.SUCCESS, "You are signed in.")
    assert "nhsuk-notification-banner--success" in html and ">Success<" in html


def test_an_error_is_a_problem_not_a_success():
    html = banner(constants.ERROR, "Too many failed attempts.")
    assert "--success" not in html and "Success" not in html
    assert ">There is a problem<" in html and 'role="alert"' in html


def test_information_is_marked_important_and_not_an_alert():
    html = banner(constants.INFO, "We have sent you an email.")
    assert "--success" not in html and ">Important<" in html and 'role="region"' in html


def test_the_message_text_is_escaped():
    html = banner(constants.ERROR, "<script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html
