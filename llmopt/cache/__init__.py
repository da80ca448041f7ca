"""Response caches usable as LangChain caches (`set_llm_cache`, a chat model's `cache=`) and
directly: exact (SQLite file, Redis) and semantic (MiniLM + FAISS in process)."""

from llmopt.cache.base import CacheStats, ResponseCache, temperature_of
from llmopt.cache.faiss_semantic import FaissSemanticCache
from llmopt.cache.redis import RedisCache
from llmopt.cache.redis_semantic import RedisSemanticCache
from llmopt.cache.sqlite import CacheFileWarning, SqliteCache

__all__ = ["CacheFileWarning", "CacheStats", "FaissSemanticCache", "RedisCache",
           "RedisSemanticCache", "ResponseCache", "SqliteCache", "temperature_of"]
