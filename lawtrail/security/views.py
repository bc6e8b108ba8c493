"""The login page (throttled), the second-factor pages and the administrator's reset."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lawtrail.security import throttle, totp
from lawtrail.security.middleware import PENDING, SECOND_FACTOR
from lawtrail.security.network import client_address
from lawtrail.web.shortcuts import admin_page


def locked_out(request: HttpRequest, form: Any, seconds: int) -> HttpResponse:
    minutes = max(1, (seconds + 59) // 60)
    message = _(
        "Too many failed logins. Try again in %(minutes)s minutes, or ask an administrator."
    ) % {"minutes": minutes}
    form.errors.clear()
    form.add_error(None, message)
    response = render(request, "web/login.html", {"form": form, "next": ""}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class LoginView(auth_views.LoginView):
    """Django's login page, refusing a username or address after too many failures."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))
        address = client_address(request)
        seconds = throttle.retry_after(username, address)
        if seconds:
            return locked_out(request, self.get_form(), seconds)
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:  # the form came back: this failure may have locked
            seconds = throttle.retry_after(username, address)
            if seconds:
                return locked_out(request, self.get_form(), seconds)
        else:
            throttle.clear_failures(username)
        return response


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Six-digit code"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def next_url(request: HttpRequest) -> str:
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("web:home")


def done(request: HttpRequest) -> HttpResponseRedirect:
    request.session.pop(SECOND_FACTOR, None)
    request.session.cycle_key()
    return redirect(next_url(request))


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The code after the password, for a session that waits for it."""
    if request.session.get(SECOND_FACTOR) != PENDING:
        return redirect(next_url(request))
    factor = totp.enrolled(request.user)
    if factor is None:
        return redirect(f"{reverse('security:enrol')}?next={next_url(request)}")
    form = CodeForm(request.POST or None)
    status = 200
    username = request.user.get_username()
    if request.method == "POST" and form.is_valid():
        seconds = throttle.retry_after(username, client_address(request))
        if seconds:
            form.add_error(None, _("Too many wrong codes. Log in again later."))
            status = 429
        elif totp.check_code(factor, form.cleaned_data["code"]):
            throttle.clear_failures(username)
            return done(request)
        else:
            # Wrong codes count like wrong passwords, so six digits cannot be guessed.
            throttle.record_failure(username, client_address(request))
            form.add_error("code", _("That code is wrong or was already used."))
            status = 422
    context = {"form": form, "next": next_url(request)}
    return render(request, "security/verify.html", context, status=status)


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Enrolment: a new secret, shown this once as text and as an otpauth URI; the first
    correct code confirms it."""
    if totp.enrolled(request.user) is not None:
        return redirect(f"{reverse('security:verify')}?next={next_url(request)}")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if totp.confirm_enrolment(request.user, form.cleaned_data["code"]):
            messages.success(request, _("Your second factor is set up."))
            return done(request)
        form.add_error("code", _("That code is wrong; scan the new secret below and try again."))
        status = 422
    # A wrong code shows the same secret again (it may be mistyped, not mis-scanned).
    secret = (totp.pending_secret(request.user) if status == 422 else None) or (
        totp.begin_enrolment(request.user)
    )
    context = {
        "form": CodeForm() if status == 200 else form,
        "secret": secret,
        "uri": totp.provisioning_uri(request.user, secret),
        "next": next_url(request),
    }
    return render(request, "security/enrol.html", context, status=status)


@admin_page
@require_POST
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Recovery: an administrator removes a person's second factor (a ledger event)."""
    user = get_user_model().objects.filter(officer__pk=pk).first()
    if user is None:
        return render(request, "web/error.html", {"error": {"status": 404}}, status=404)
    totp.reset_second_factor(user, actor=request.user, reason=str(request.POST.get("reason", "")))
    messages.success(request, _("The second factor was reset; it is set up again at next login."))
    return redirect(reverse("web:person", args=[pk]))
