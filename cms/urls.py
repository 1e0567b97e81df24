from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from cms import accounts, views

urlpatterns = [
    path("", include("ops.urls")),  # /healthz, /readyz
    # Browsers ask for /favicon.ico when a page names no icon (feeds, the API, old stored pages).
    path("favicon.ico", views.favicon),
    # The translations the studio's scripts show (djangojs catalogue), in the active language.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript_catalog"),
    path("admin/login/", accounts.admin_login),
    path("admin/", admin.site.urls),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/two-factor/", accounts.two_factor, name="two_factor"),
    path("accounts/two-factor/verify/", accounts.two_factor_verify, name="two_factor_verify"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/home/", views.home, name="home"),
    path("studio/", include("articles.urls")),
    path("review/", include("review.urls")),
    path("invited/", include("review.invited_urls")),
    path("preview/", include("review.preview_urls")),
    path("publishing/evidence/", include("evidence.urls")),
    path("publishing/", include("publishing.urls")),
]
# Readers' pages: the source language at /, every other language under its code
# (/es/articles/<slug>/). cms.languages.PathLanguageMiddleware activates the
# address's language; nothing else (no Accept-Language, no cookie) chooses it.
urlpatterns += i18n_patterns(path("", include("publishing.reader_urls")), prefix_default_language=False)

handler404 = "cms.views.not_found"
handler500 = "cms.views.server_error"
