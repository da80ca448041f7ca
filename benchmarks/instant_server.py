"""An OpenAI-compatible /v1/completions stub that answers at once, for measuring clients.

    python benchmarks/instant_server.py PORT [TOKENS]

Every POST gets the same stream of TOKENS text chunks (default 16), a usage chunk and
`[DONE]`, written as chunked server-sent events without delay; GET /metrics is empty. Raw
asyncio, one process: it costs a few hundred microseconds per request, so a client talking to
it shows its own ceiling. Not a model: nothing here is graded or priced.
"""

from __future__ import annotations

import asyncio
import json
import sys


def events(tokens: int) -> list[bytes]:
    chunks = [{"id": "cmpl-0", "object": "text_completion", "created": 0, "model": "instant",
               "choices": [{"index": 0, "text": f" t{i}", "logprobs": None,
                            "finish_reason": None if i < tokens - 1 else "length"}]}
              for i in range(tokens)]
    chunks.append({"id": "cmpl-0", "object": "text_completion", "created": 0, "model": "instant",
                   "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": tokens,
                                            "total_tokens": 1 + tokens}})
    lines = [f"data: {json.dumps(c)}\n\n".encode() for c in chunks] + [b"data: [DONE]\n\n"]
    return [b"%x\r\n%s\r\n" % (len(line), line) for line in lines] + [b"0\r\n\r\n"]


async def serve(port: int, tokens: int) -> None:
    stream = events(tokens)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # keep-alive: one request after another on this connection
                head = (await reader.readuntil(b"\r\n\r\n")).lower()
                length = head.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0] \
                    if b"content-length:" in head else b"0"
                await reader.readexactly(int(length))
                if head.startswith(b"get"):
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                    continue
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                             b"transfer-encoding: chunked\r\n\r\n")
                for part in stream:  # one write per event, as a token-streaming server does
                    writer.write(part)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 16))
