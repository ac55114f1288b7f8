"""The API documentation for people: the OpenAPI document (``/api/v1/openapi.json``) in Swagger UI, vendored."""

from __future__ import annotations

from pyramid.view import view_config

from core.pagecache import cache_page


@view_config(route_name="api.docs", renderer="api_docs.html", request_method="GET")
def api_docs(request):
    cache_page(request)
    return {"openapi_url": request.route_url("v1.openapi")}
