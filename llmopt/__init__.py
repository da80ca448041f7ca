"""llmopt: measure what an LLM workload costs, apply one optimization at a time, decide.

Headless: importing llmopt never imports jupyter, ipywidgets or vllm.
"""

__version__ = "0.1.0"
