"""The site's icon: named by every page, and /favicon.ico answered without rendering a 404 page."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_pages_name_the_icon_and_favicon_ico_redirects_to_it(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in html and "vetted/favicon.svg" in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert "public" in response["Cache-Control"]
    assert finders.find("vetted/favicon.svg")
