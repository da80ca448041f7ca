from llmopt import offline


def test_tiktoken_loads_from_the_seeded_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    offline.seed_tiktoken_cache(tmp_path)
    import tiktoken.load

    blob = tiktoken.load.read_file_cached(offline.TIKTOKEN_URLS["cl100k_base"])
    assert blob.startswith(b"IQ== 0")  # base64 of "!" is token 0


def test_seed_tiktoken_fills_the_cache_the_environment_names(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty"))
    assert offline.seed_tiktoken() == tmp_path / "empty"
    assert len(list((tmp_path / "empty").iterdir())) == len(offline.TIKTOKEN_URLS)
    assert offline.os.environ["TIKTOKEN_CACHE_DIR"] == str(tmp_path / "empty")
