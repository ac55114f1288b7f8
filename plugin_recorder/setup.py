from setuptools import setup

setup(
    name="amphi-recorder",
    version="0.1.0",
    description="Amphi plugin: lecture-capture boxes (Opencast capture agents, watched folders, HTTP push).",
    license="AGPL-3.0-or-later",
    python_requires=">=3.11",
    packages=["plugin_recorder", "plugin_recorder.migrations"],
    package_data={"plugin_recorder": ["templates/*.html", "locale/*/LC_MESSAGES/*"]},
    install_requires=["amphi", "icalendar>=5"],
    extras_require={"test": ["aiosmtpd>=1.4"]},
    entry_points={"amphi.plugins": ["recorder = plugin_recorder"]},
)
