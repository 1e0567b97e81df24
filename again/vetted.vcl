# Vetted: Varnish in front of the app, purged by tag (the xkey vmod of
# Debian's varnish-modules).
#
# Every public response of the app is the same bytes for everyone and names
# what it shows in an "xkey" header (publishing/httpcache.py, tags_for):
# "article-<slug>" on every address of one article, "catalogue" on the lists,
# "board", "policy", "changes" on those pages, "site" on all. With
# PURGE_BACKEND=varnish and PURGE_HTTP_URL pointing here, a go-live or a
# withdrawal sends one "PURGE /" with "xkey-purge: article-<slug> catalogue",
# which drops every stored copy of that article, whatever query string it was
# cached under, and nothing else.
#
# Only tagged responses are stored: staff pages, forms, redirects and errors
# never are. Start (see docs/architecture.md, "Scaling out"):
#   varnishd -a :6081 -f /etc/varnish/vetted.vcl -s malloc,256m
# and adjust the backend below.

vcl 4.1;

import xkey;

backend app {
    .host = "localhost";
    .port = "48531";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
}

# Only the app's own purger (on this machine or its private network) may purge.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge) {
            # Hard purge: a withdrawn page must not be served stale in grace.
            set req.http.n-gone = xkey.purge(req.http.xkey-purge);
            return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
        }
        return (purge);  # by address, as PURGE_BACKEND=http sends
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # A signed-in user's pages are theirs (the app never tags them anyway).
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # The plain article address redirects a reader who chose an audience to
    # their version: with that cookie it is a private answer.
    if (req.url ~ "^/([a-z]{2}(-[a-z0-9]+)?/)?articles/[a-z0-9_-]+/(\?.*)?$"
        && req.http.Cookie ~ "(^|;\s*)vetted_audience=") {
        return (pass);
    }
    # Public answers do not depend on other cookies (the app ignores them on
    # shared bytes), so they do not split or bypass the cache.
    return (hash);
}

sub vcl_backend_response {
    if (!beresp.http.xkey || beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 30s;
        return (deliver);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
    unset resp.http.Via;
}
