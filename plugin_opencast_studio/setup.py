from setuptools import setup

setup(
    name="amphi-opencast-studio",
    version="1.0.0",
    description="Amphi plugin: record screen and camera in the browser with Opencast Studio, uploaded to Amphi.",
    license="AGPL-3.0-or-later",
    packages=["opencast_studio"],
    package_data={"opencast_studio": ["templates/*.html", "locale/*.pot", "locale/*/LC_MESSAGES/*"]},
    install_requires=["amphi"],
    entry_points={"amphi.plugins": ["opencast_studio = opencast_studio"]},
)
