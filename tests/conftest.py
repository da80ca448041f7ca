"""Shared test set-up: the whole suite runs offline, as the demo profile does."""

from llmopt import offline

offline.enable()
