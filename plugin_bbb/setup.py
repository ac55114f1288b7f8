from setuptools import setup

setup(
    name="amphi-bbb",
    version="0.1.0",
    description="Amphi plugin: BigBlueButton meetings, their recordings and webhooks.",
    license="AGPL-3.0-or-later",
    python_requires=">=3.11",
    packages=["plugin_bbb", "plugin_bbb.migrations", "plugin_bbb.testing"],
    package_data={"plugin_bbb": ["templates/*.html", "locale/*/LC_MESSAGES/*"]},
    install_requires=["amphi", "icalendar>=5", "requests>=2.31", "defusedxml>=0.7", "PyJWT>=2.8"],
    entry_points={"amphi.plugins": ["bbb = plugin_bbb"]},
)
