"""The OpenAPI 3.1 description of ``/api/v1/``, served at ``/api/v1/openapi.json``.

The server holds to it: :mod:`core.web.apiv1.contract` refuses the query parameters an operation
does not declare and the bodies its schema does not allow. Tests validate the document
(openapi-spec-validator), check every documented endpoint's live responses against its schemas,
and fuzz the server from it (schemathesis), so this document cannot drift from the code unnoticed.
"""

from __future__ import annotations

from typing import Any

import core
from core.access.users import ROLES
from core.catalogue.channel_forms import MAX_MANAGERS
from core.catalogue.metadata import MAX_OWNERS, MAX_TAG_LENGTH, MAX_TAGS
from core.catalogue.search import DURATION_BUCKETS, SORTS
from core.models import ACCESS_LEVELS, LICENSES
from core.web.inputs import MAX_ID, MAX_PAGE

MAX_PER_PAGE = 100
#: Every operation may answer these: a bad query parameter or body, a bad token, too many calls.
COMMON_ERRORS = (400, 401, 429)


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(name: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "next", "previous"],
        "properties": {
            "items": {"type": "array", "items": ref(name)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0},
            "next": {"type": ["string", "null"]},
            "previous": {"type": ["string", "null"]},
        },
    }


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def errors(*statuses: int) -> dict:
    texts = {
        400: "Invalid input: a parameter or field the document does not allow",
        401: "No credentials, or a bad token (WWW-Authenticate: Bearer)",
        403: "Not allowed",
        404: "Not found",
        409: "Managed elsewhere",
        429: "Too many requests (Retry-After gives the seconds to wait)",
        503: "Unavailable for the moment",
    }
    return {str(s): json_response(texts[s], ref("Error")) for s in statuses}


def path_id(name: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }


PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20},
    },
]
USER_ID = path_id("user_id")
VIDEO_ID = path_id("video_id")
ACCESS = list(ACCESS_LEVELS)
NULLABLE_TEXT = {"type": ["string", "null"]}
GROUP_ID = path_id("group_id")
CHANNEL_ID = path_id("channel_id")
THEME_ID = path_id("theme_id")
NOTIFICATION_ID = path_id("notification_id")
VISIBILITY = ["public", "signed-in", "groups", "hidden"]
#: What the server checks, said in the document (core.access.users.USERNAME, core.catalogue.channel_forms, core.catalogue.metadata).
NAME = {"type": "string", "pattern": r"^[\w.@+-]+$", "maxLength": 150, "description": "letters, digits and . @ + - _"}
TITLE = {"type": "string", "pattern": r"\S", "maxLength": 150, "description": "not blank (spaces around are cut)"}
SLUG = {
    "type": "string",
    "pattern": "^([a-z0-9]+(-[a-z0-9]+)*)?$",
    "maxLength": 64,
    "description": "lower-case letters, digits and single hyphens; empty: made from the title",
}
MARKDOWN = {"type": "string", "maxLength": 20000, "description": "Markdown"}
POSITION = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
THEME_FIELDS = {
    "title": TITLE,
    "slug": SLUG,
    "description": MARKDOWN,
    "parent_id": {
        "type": ["integer", "null"],
        "minimum": 1,
        "maximum": MAX_ID,
        "description": "another theme of the channel",
    },
    "position": {**POSITION, "description": "its place among the themes beside it, from 0; they are renumbered 0..n-1"},
}
CHANNEL_FIELDS = {
    "title": TITLE,
    "slug": SLUG,
    "description": MARKDOWN,
    "visibility": {"enum": VISIBILITY},
    "open_to_all": {"type": "boolean", "description": "any staff user may add their videos"},
    "featured": {"type": "boolean", "description": "site admins only"},
    "position": {
        **POSITION,
        "description": "its place in the site's order, from 0 (site admins only); the channels are renumbered 0..n-1",
    },
    "managers": {
        "type": "array",
        "items": NAME,
        "maxItems": MAX_MANAGERS,
        "description": "usernames; site admins only",
    },
    "groups": {
        "type": "array",
        "items": {"type": "string"},
        "description": "names of site groups whose members see it; needed with visibility groups",
    },
}
PUBLISH_AT = "^([1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+]00:00)?)?$"
GROUP_FIELDS = {"name": NAME, "title": {"type": "string", "maxLength": 200, "description": "empty: the name"}}


def input_schema(fields: dict, required: tuple[str, ...] = ()) -> dict:
    """A request body: these fields only (any other is refused), ``required`` ones present."""
    schema = {"type": "object", "additionalProperties": False, "properties": fields}
    return {**schema, "required": list(required)} if required else schema


SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["code", "errno", "error", "message", "info"],
        "properties": {
            "code": {"type": "integer"},
            "errno": {"type": "string"},
            "error": {"type": "string"},
            "message": {"type": "string"},
            "info": {"type": "object"},
        },
    },
    "User": {
        "type": "object",
        "required": [
            "id",
            "username",
            "display_name",
            "email",
            "affiliation",
            "role",
            "active",
            "groups",
            "last_login",
        ],
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "display_name": {"type": "string"},
            "email": {"type": "string"},
            "affiliation": {"type": "string"},
            "role": {"enum": list(ROLES)},
            "active": {"type": "boolean"},
            "groups": {"type": "array", "items": {"type": "string"}},
            "last_login": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "Me": {
        "allOf": [ref("User"), {"type": "object", "required": ["site"], "properties": {"site": {"type": "string"}}}]
    },
    "UserPatch": input_schema({"role": {"enum": list(ROLES)}, "active": {"type": "boolean"}}),
    "Group": {
        "type": "object",
        "required": ["id", "name", "title", "source", "members"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "title": {"type": "string"},
            "source": {"type": "string", "description": "local, rules, or the managing plugin"},
            "members": {"type": "integer", "minimum": 0},
        },
    },
    "GroupDetail": {
        "allOf": [
            ref("Group"),
            {
                "type": "object",
                "required": ["member_usernames"],
                "properties": {"member_usernames": {"type": "array", "items": {"type": "string"}}},
            },
        ]
    },
    "GroupInput": input_schema(GROUP_FIELDS, required=("name",)),
    "GroupPatch": input_schema(GROUP_FIELDS),
    "Video": {
        "type": "object",
        "required": ["id", "title", "slug", "access", "owner", "url", "locked"],
        "description": "A video the caller may list; a locked one (a password to give) shows only these "
        "required fields.",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "slug": {"type": "string"},
            "access": {"enum": ACCESS},
            "owner": {"type": "string"},
            "url": {"type": "string"},
            "locked": {"type": "boolean"},
            "description": {"type": "string"},
            "language": {"type": "string"},
            "status": {"enum": ["uploaded", "processing", "ready", "failed"]},
            "duration": {"type": ["number", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "publish_at": NULLABLE_TEXT,
            "type": NULLABLE_TEXT,
            "disciplines": {"type": "array", "items": {"type": "string"}},
            "tags": {"type": "array", "items": {"type": "string"}},
            "license": {"enum": list(LICENSES)},
            "date_recorded": NULLABLE_TEXT,
            "channels": {
                "type": "array",
                "items": {"type": "string"},
                "description": "slugs of the channels the caller may see",
            },
            "themes": {"type": "array", "items": ref("ThemeRef")},
        },
    },
    "ThemeRef": {
        "type": "object",
        "required": ["id", "channel", "slug", "title"],
        "properties": {
            "id": {"type": "integer"},
            "channel": {"type": "string"},
            "slug": {"type": "string"},
            "title": {"type": "string"},
        },
    },
    "Theme": {
        "type": "object",
        "required": ["id", "channel", "channel_id", "slug", "title", "description", "parent_id", "position", "url"],
        "properties": {
            "id": {"type": "integer"},
            "channel": {"type": "string"},
            "channel_id": {"type": "integer"},
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "parent_id": {"type": ["integer", "null"]},
            "position": {"type": "integer"},
            "url": {"type": "string"},
        },
    },
    "ThemeList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": ref("Theme")}},
    },
    "ThemeInput": input_schema(THEME_FIELDS, required=("title",)),
    "ThemePatch": input_schema(THEME_FIELDS),
    "Channel": {
        "type": "object",
        "required": [
            "id",
            "slug",
            "title",
            "description",
            "visibility",
            "open_to_all",
            "featured",
            "position",
            "url",
            "banner",
            "themes",
        ],
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string", "description": "Markdown"},
            "visibility": {"enum": VISIBILITY},
            "open_to_all": {"type": "boolean"},
            "featured": {"type": "boolean"},
            "position": {"type": "integer"},
            "url": {"type": "string"},
            "banner": NULLABLE_TEXT,
            "themes": {"type": "array", "items": ref("Theme")},
            "managers": {
                "type": "array",
                "items": {"type": "string"},
                "description": "usernames; shown to its managers and site admins",
            },
            "groups": {
                "type": "array",
                "items": {"type": "string"},
                "description": "names of the site groups whose members see it (visibility "
                "groups); shown to its managers and site admins",
            },
        },
    },
    "ChannelInput": input_schema(CHANNEL_FIELDS, required=("title",)),
    "ChannelPatch": input_schema(CHANNEL_FIELDS),
    "VideoPatch": input_schema(
        {
            "title": {**TITLE, "maxLength": 250},
            "description": MARKDOWN,
            "type": NULLABLE_TEXT,
            "disciplines": {"type": "array", "items": {"type": "string"}},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": MAX_TAG_LENGTH}, "maxItems": MAX_TAGS},
            "license": {"enum": list(LICENSES)},
            "language": {"type": "string", "pattern": "^([a-z]{2})?$", "description": "a two-letter code; empty: none"},
            "date_recorded": {
                "type": "string",
                "pattern": "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$",
                "description": "YYYY-MM-DD, not in the future; empty: none",
            },
            "publish_at": {
                "type": "string",
                "pattern": PUBLISH_AT,
                "description": "UTC, YYYY-MM-DDTHH:MM (seconds and a UTC offset of zero may follow), "
                "year 1000 or later; empty to publish now",
            },
            "access": {"enum": ACCESS},
            "password": {"type": "string", "writeOnly": True, "description": "at least 6 characters (access password)"},
            "groups": {"type": "array", "items": {"type": "string"}},
            "owners": {
                "type": "array",
                "items": NAME,
                "maxItems": MAX_OWNERS,
                "description": "additional owners' usernames",
            },
            "allow_downloads": {"type": "boolean"},
            "channels": {
                "type": "array",
                "items": {"type": "string"},
                "description": "slugs of channels the caller may add to (channels they cannot see stay)",
            },
            "themes": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "description": "theme ids; a theme brings its channel",
            },
        }
    ),
    "TrackList": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["kind", "language", "label", "url", "default"],
                    "properties": {
                        "kind": {"type": "string"},
                        "language": {"type": "string"},
                        "label": {"type": "string"},
                        "url": {"type": "string", "description": "signed, expiring"},
                        "default": {"type": "boolean"},
                    },
                },
            }
        },
    },
    "VideoPage": {
        "allOf": [
            page_of("Video"),
            {
                "type": "object",
                "properties": {
                    "facets": {
                        "type": "array",
                        "items": ref("Facet"),
                        "description": "with q only: the search page's filters, counted over every visible match",
                    }
                },
            },
        ]
    },
    "Facet": {
        "type": "object",
        "required": ["name", "title", "values"],
        "properties": {
            "name": {"type": "string", "description": "the query parameter that filters on it"},
            "title": {"type": "string"},
            "values": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["value", "label", "count", "checked"],
                    "properties": {
                        "value": {"type": "string"},
                        "label": {"type": "string"},
                        "count": {"type": "integer", "minimum": 1},
                        "checked": {"type": "boolean", "description": "this value filters the search"},
                    },
                },
            },
        },
    },
    "Notification": {
        "type": "object",
        "required": ["id", "kind", "title", "text", "link", "created_at", "read_at"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "description": "video.ready, notes.reply... (the site's kinds)"},
            "title": {"type": "string", "description": "in the recipient's language"},
            "text": {"type": "string"},
            "link": {"type": "string", "description": "where it leads (absolute), or empty"},
            "created_at": {"type": "string", "format": "date-time"},
            "read_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "NotificationPage": {
        "allOf": [
            page_of("Notification"),
            {
                "type": "object",
                "required": ["unread"],
                "properties": {"unread": {"type": "integer", "minimum": 0, "description": "unread, of every page"}},
            },
        ]
    },
    "NotificationsRead": {
        "type": "object",
        "required": ["marked", "unread"],
        "properties": {"marked": {"type": "integer", "minimum": 0}, "unread": {"type": "integer", "minimum": 0}},
    },
    "UserPage": page_of("User"),
    "GroupPage": page_of("Group"),
    "ChannelPage": page_of("Channel"),
}


def body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


VIDEO_FILTERS = [
    {"name": name, "in": "query", "schema": {"type": "string"}, "description": text}
    for name, text in (
        ("owner", "an owner's or additional owner's username (not with q)"),
        ("type", "a video type's slug"),
        ("discipline", "a discipline's slug"),
        ("tag", "a tag"),
        ("language", "a language code"),
        ("status", "uploaded, processing, ready or failed (others' videos are listed only when ready; not with q)"),
        ("channel", "a channel's slug"),
    )
] + [
    {
        "name": "ordering",
        "in": "query",
        "schema": {"enum": ["-created_at", "created_at", "title", "-title"]},
        "description": "not with q",
    }
]
#: Full-text search (the search page's): q, its order, and the facets only a search has. With q, type,
#: discipline, tag, language and channel are facet filters too: repeat one to accept any of its values.
VIDEO_SEARCH = [
    {
        "name": "q",
        "in": "query",
        "schema": {"type": "string", "maxLength": 200},
        "description": "words to find (title, description, tags, owners, subtitles and captions, chapters...; of a "
        "video the caller may list but not watch, the title only); all must match. Present, even "
        "empty, the answer is a search with facets",
    },
    {
        "name": "sort",
        "in": "query",
        "schema": {"enum": list(SORTS), "default": "relevance"},
        "description": "with q only",
    },
    {"name": "year", "in": "query", "schema": {"type": "string"}, "description": "with q only: a year, e.g. 2025"},
    {
        "name": "duration",
        "in": "query",
        "schema": {"enum": [name for name, *_bounds in DURATION_BUCKETS]},
        "description": "with q only: under 5 minutes, 5 to 20, 20 to 60, over an hour",
    },
]

PATHS: dict[str, dict[str, Any]] = {
    "/videos": {
        "get": {
            "operationId": "listVideos",
            "summary": "The videos the caller may find, newest first; with q, a full-text search",
            "security": [{"bearer": []}, {"session": []}, {}],
            "parameters": [*PAGING, *VIDEO_FILTERS, *VIDEO_SEARCH],
            "responses": {"200": json_response("A page of videos", ref("VideoPage")), **errors(400, 503)},
        }
    },
    "/videos/{video_id}": {
        "parameters": [VIDEO_ID],
        "get": {
            "operationId": "getVideo",
            "summary": "One video",
            "security": [{"bearer": []}, {"session": []}, {}],
            "responses": {"200": json_response("The video", ref("Video")), **errors(403, 404)},
        },
        "patch": {
            "operationId": "updateVideo",
            "summary": "Change a video's metadata or access (its editors)",
            "requestBody": body("VideoPatch"),
            "responses": {"200": json_response("The video", ref("Video")), **errors(400, 401, 403, 404)},
        },
        "delete": {
            "operationId": "deleteVideo",
            "summary": "Delete a video and its media (its owner, site admins)",
            "responses": {"204": {"description": "Deleted"}, **errors(401, 403, 404)},
        },
    },
    "/videos/{video_id}/tracks": {
        "parameters": [VIDEO_ID],
        "get": {
            "operationId": "listTracks",
            "summary": "The video's text tracks (subtitles, chapters...)",
            "security": [{"bearer": []}, {"session": []}, {}],
            "responses": {"200": json_response("The tracks", ref("TrackList")), **errors(403, 404)},
        },
    },
    "/channels": {
        "get": {
            "operationId": "listChannels",
            "summary": "The channels the caller may see, in the site's order",
            "security": [{"bearer": []}, {"session": []}, {}],
            "parameters": PAGING,
            "responses": {"200": json_response("A page of channels", ref("ChannelPage")), **errors(400)},
        },
        "post": {
            "operationId": "createChannel",
            "summary": "Create a channel (site admins)",
            "requestBody": body("ChannelInput"),
            "responses": {"201": json_response("The channel", ref("Channel")), **errors(400, 401, 403)},
        },
    },
    "/channels/{channel_id}": {
        "parameters": [CHANNEL_ID],
        "get": {
            "operationId": "getChannel",
            "summary": "One channel and its themes",
            "security": [{"bearer": []}, {"session": []}, {}],
            "responses": {"200": json_response("The channel", ref("Channel")), **errors(404)},
        },
        "patch": {
            "operationId": "updateChannel",
            "summary": "Change a channel (its managers, site admins)",
            "requestBody": body("ChannelPatch"),
            "responses": {"200": json_response("The channel", ref("Channel")), **errors(400, 401, 403, 404)},
        },
        "delete": {
            "operationId": "deleteChannel",
            "summary": "Delete a channel and its themes; videos stay (site admins)",
            "responses": {"204": {"description": "Deleted"}, **errors(401, 403, 404)},
        },
    },
    "/channels/{channel_id}/themes": {
        "parameters": [CHANNEL_ID],
        "get": {
            "operationId": "listThemes",
            "summary": "A channel's themes",
            "security": [{"bearer": []}, {"session": []}, {}],
            "responses": {"200": json_response("The themes", ref("ThemeList")), **errors(404)},
        },
        "post": {
            "operationId": "createTheme",
            "summary": "Add a theme to a channel (its managers, site admins)",
            "requestBody": body("ThemeInput"),
            "responses": {"201": json_response("The theme", ref("Theme")), **errors(400, 401, 403, 404)},
        },
    },
    "/themes/{theme_id}": {
        "parameters": [THEME_ID],
        "get": {
            "operationId": "getTheme",
            "summary": "One theme",
            "security": [{"bearer": []}, {"session": []}, {}],
            "responses": {"200": json_response("The theme", ref("Theme")), **errors(404)},
        },
        "patch": {
            "operationId": "updateTheme",
            "summary": "Change a theme (the channel's managers, site admins)",
            "requestBody": body("ThemePatch"),
            "responses": {"200": json_response("The theme", ref("Theme")), **errors(400, 401, 403, 404)},
        },
        "delete": {
            "operationId": "deleteTheme",
            "summary": "Delete a theme and those under it; videos stay in the channel",
            "responses": {"204": {"description": "Deleted"}, **errors(401, 403, 404)},
        },
    },
    "/me": {
        "get": {
            "operationId": "me",
            "summary": "The signed-in user (or the token's owner)",
            "responses": {"200": json_response("The user", ref("Me")), **errors(401)},
        }
    },
    "/notifications": {
        "get": {
            "operationId": "listNotifications",
            "summary": "The caller's notifications on this site, newest first, and how many are unread",
            "parameters": PAGING,
            "responses": {"200": json_response("A page of notifications", ref("NotificationPage")), **errors(400, 401)},
        }
    },
    "/notifications/read": {
        "post": {
            "operationId": "markAllNotificationsRead",
            "summary": "Mark every notification of the caller read",
            "responses": {"200": json_response("How many were marked", ref("NotificationsRead")), **errors(401)},
        }
    },
    "/notifications/{notification_id}/read": {
        "parameters": [NOTIFICATION_ID],
        "post": {
            "operationId": "markNotificationRead",
            "summary": "Mark one of the caller's notifications read",
            "responses": {"200": json_response("The notification", ref("Notification")), **errors(401, 404)},
        },
    },
    "/users": {
        "get": {
            "operationId": "listUsers",
            "summary": "The site's users (site admins)",
            "parameters": [
                *PAGING,
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "role", "in": "query", "schema": {"enum": list(ROLES)}},
            ],
            "responses": {"200": json_response("A page of users", ref("UserPage")), **errors(400, 401, 403)},
        }
    },
    "/users/{user_id}": {
        "parameters": [USER_ID],
        "get": {
            "operationId": "getUser",
            "summary": "One user (site admins)",
            "responses": {"200": json_response("The user", ref("User")), **errors(401, 403, 404)},
        },
        "patch": {
            "operationId": "updateUser",
            "summary": "Change a user's role or disable them (site admins)",
            "requestBody": body("UserPatch"),
            "responses": {"200": json_response("The user", ref("User")), **errors(400, 401, 403, 404)},
        },
    },
    "/groups": {
        "get": {
            "operationId": "listGroups",
            "summary": "The site's access groups (staff)",
            "parameters": PAGING,
            "responses": {"200": json_response("A page of groups", ref("GroupPage")), **errors(400, 401, 403)},
        },
        "post": {
            "operationId": "createGroup",
            "summary": "Create a local group (site admins)",
            "requestBody": body("GroupInput"),
            "responses": {"201": json_response("The group", ref("Group")), **errors(400, 401, 403)},
        },
    },
    "/groups/{group_id}": {
        "parameters": [GROUP_ID],
        "get": {
            "operationId": "getGroup",
            "summary": "One group and its members (site admins and the group's members)",
            "responses": {"200": json_response("The group", ref("GroupDetail")), **errors(401, 403, 404)},
        },
        "patch": {
            "operationId": "updateGroup",
            "summary": "Rename a local group (site admins)",
            "requestBody": body("GroupPatch"),
            "responses": {"200": json_response("The group", ref("Group")), **errors(400, 401, 403, 404, 409)},
        },
        "delete": {
            "operationId": "deleteGroup",
            "summary": "Delete a local group (site admins)",
            "responses": {"204": {"description": "Deleted"}, **errors(401, 403, 404, 409)},
        },
    },
    "/groups/{group_id}/members/{user_id}": {
        "parameters": [GROUP_ID, USER_ID],
        "put": {
            "operationId": "addMember",
            "summary": "Add a user to a local group (site admins)",
            "responses": {"204": {"description": "Added"}, **errors(401, 403, 404, 409)},
        },
        "delete": {
            "operationId": "removeMember",
            "summary": "Remove a user from a local group (site admins)",
            "responses": {"204": {"description": "Removed"}, **errors(401, 403, 404, 409)},
        },
    },
}


for _item in PATHS.values():  # the answers any operation may give, beside its own
    for _method, _operation in _item.items():
        if _method != "parameters":
            _operation["responses"] = {**errors(*COMMON_ERRORS), **_operation["responses"]}


def document(request) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Amphi API",
            "version": "1",
            "description": "The API of an Amphi site. Authenticate with a personal access token "
            "(Authorization: Bearer ..., created on the account page; a read token "
            "cannot change anything) or, from the browser, the session cookie with an "
            "X-CSRF-Token header on unsafe methods; a call without either gets 401 with "
            "WWW-Authenticate. A query parameter or a body field this document does not "
            "declare is refused (400). Calls are limited per token, else per user, else "
            "per address (429 with Retry-After). Errors share one JSON shape. "
            f"Hook contract {core.HOOKS_VERSION}.",
        },
        "servers": [{"url": request.route_url("v1.root").rstrip("/")}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "amphi_session"},
            },
            "schemas": SCHEMAS,
        },
        "paths": PATHS,
    }
