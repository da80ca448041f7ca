"""Jupyter widgets for llmopt (import package `llmopt.widgets`). State lives in traitlets;
the numbers come from llmopt, never from here."""
