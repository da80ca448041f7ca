# `llmopt.widgets` lives in the top-level widgets/ folder (package-dir in pyproject.toml);
# package discovery cannot see it there, so it is listed next to the found packages.
from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["llmopt*"]), "llmopt.widgets"])
