from setuptools import setup

setup(
    name="amphi-moodle",
    version="0.1.0",
    description="Amphi plugin: an LTI 1.3 Advantage tool for Moodle and every certified LMS.",
    license="AGPL-3.0-or-later",
    python_requires=">=3.11",
    packages=["plugin_moodle", "plugin_moodle.migrations"],
    package_data={"plugin_moodle": ["templates/*.html", "locale/*/LC_MESSAGES/*"]},
    install_requires=["amphi", "pylti1p3==2.0.0", "jwcrypto>=1.5", "PyJWT>=2.8", "requests>=2.31", "cryptography"],
    extras_require={"test": ["lti1p3platform==0.1.8"]},
    entry_points={"amphi.plugins": ["moodle = plugin_moodle"]},
)
