"""The core's pages and API. Plugins add theirs through ``includeme`` / ``amphi_config``."""


def includeme(config):
    config.add_static_view("static", "core:static", cache_max_age=3600)
    config.add_route("home", "/")
    config.add_route("login", "/login")
    config.add_route("logout", "/logout")
    config.add_route("language", "/language")
    config.add_route("video", "/videos/{video_id:\\d+}")
    config.add_route("admin.site", "/admin/site")
    config.add_route("admin.site.identity", "/admin/site/identity")
    config.add_route("admin.plugin", "/admin/site/plugins/{plugin}")
    config.add_route("admin.users", "/admin/users")
    config.add_route("admin.user", "/admin/users/{user_id:\\d+}")
    config.add_route("api.me", "/api/me")
    config.add_route("api.videos", "/api/videos")
    config.add_route("api.video", "/api/videos/{video_id:\\d+}")
    config.scan("core.views")
