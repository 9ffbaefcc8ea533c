"""The web UI for people, at ``/app``: server-rendered pages (Jinja2, htmx) over the same services the API
calls. ``remit.api.app.create_app`` mounts :func:`remit.web.app.web_app` there; it is not part of the
OpenAPI document.
"""
