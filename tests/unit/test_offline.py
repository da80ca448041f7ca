from llmopt import offline


def test_tiktoken_loads_from_the_seeded_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    offline.seed_tiktoken_cache(tmp_path)
    import tiktoken.load

    blob = tiktoken.load.read_file_cached(offline.TIKTOKEN_URLS["cl100k_base"])
    assert blob.startswith(b"IQ== 0")  # base64 of "!" is token 0
