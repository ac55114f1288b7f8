from setuptools import setup

setup(
    name="amphi-hello",
    version="1.0.0",
    description="A third-party Amphi plugin: one page, one navigation item, one event hook, one table.",
    packages=["amphi_hello", "amphi_hello.migrations"],
    package_data={"amphi_hello": ["templates/*.html"]},
    install_requires=["amphi"],
    entry_points={"amphi.plugins": ["hello = amphi_hello"]},
)
