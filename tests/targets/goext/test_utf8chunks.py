"""The payload of goext/utf8-stream-decode@1 (__patcherUtf8Chunks), run by
node on real streams: random byte sequences (valid and invalid UTF-8) cut
into random chunks, each chunk one 'data' event.  The wrapped listener must
read exactly what a decode of all bytes at once reads, get Buffers with the
same bytes in the same order, and see the last bytes before anyone listening
for 'end' does."""

import json
import random
import shutil
import subprocess

import pytest

from conftest import REPO, TESTS

PAYLOAD = REPO / "patches/goext/utf8-stream-decode/1/payload/utf8chunks.js"
pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="needs node")

# Whole characters of 1-4 bytes, and byte sequences that are not (or not yet) UTF-8.
PIECES = ["a", "é", "漢", "😀", "\n"]
BAD = [b"\xff", b"\xc0\xaf", b"\xe0\x80", b"\xed\xa0\x80", b"\xf0\x9f", b"\xc2", b"\xf4\x90\x80\x80", b"\x80"]


def scenarios(seed: int, count: int) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for i in range(count):
        data = b"".join(rnd.choice(BAD) if rnd.random() < 0.15 else rnd.choice(PIECES).encode() for _ in range(rnd.randrange(1, 60)))
        cuts = sorted(rnd.sample(range(1, len(data)), min(len(data) - 1, rnd.randrange(0, 12)))) if len(data) > 1 else []
        chunks = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
        out.append({"name": f"random {i}", "chunks": [c.hex() for c in chunks]})
    # A character cut in every possible place, then a stream that ends inside one.
    emoji = "😀".encode()
    out += [{"name": f"emoji cut at {k}", "chunks": [emoji[:k].hex(), emoji[k:].hex()]} for k in (1, 2, 3)]
    out.append({"name": "ends inside a character", "chunks": ["41e6", "bc"]})
    out.append({"name": "already text", "chunks": ["e6bc", "a2"], "encoding": "utf8"})
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    path = tmp_path_factory.mktemp("chunks") / "scenarios.json"
    path.write_text(json.dumps(scenarios(seed=20261201, count=400)))
    proc = subprocess.run(["node", str(TESTS / "js" / "utf8chunks-check.cjs"), str(PAYLOAD), str(path)],
                          capture_output=True, text=True, timeout=120, check=True)
    return {r["name"]: r for r in json.loads(proc.stdout)}


def test_the_listener_reads_what_a_whole_decode_reads_and_gets_the_same_bytes(results):
    randoms = [r for name, r in results.items() if name.startswith("random")]
    assert len(randoms) == 400
    differs = sum(r["perChunk"] != r["whole"] for r in randoms)
    assert differs > 100, "the scenarios must cut characters, or they prove nothing"
    for r in randoms:
        assert r["got"]["text"] == r["whole"], r["name"]
        assert bytes(r["got"]["bytes"]).hex() == r["wholeHex"], r["name"]
        assert set(r["got"]["types"]) <= {"buffer"}
        assert r["got"]["textAtEnd"] == r["whole"], "an 'end' listener registered first still sees everything"


def test_a_character_cut_anywhere_comes_out_whole(results):
    for k in (1, 2, 3):
        r = results[f"emoji cut at {k}"]
        assert "\ufffd" in r["perChunk"]
        assert r["got"]["text"] == "😀" and r["got"]["calls"] == 1


def test_bytes_that_never_complete_still_show_as_replacement_at_the_end(results):
    r = results["ends inside a character"]
    assert r["whole"] == "A\ufffd" and r["got"]["text"] == "A\ufffd" and r["got"]["textAtEnd"] == "A\ufffd"


def test_text_and_calls_without_a_stream_pass_unchanged(results):
    assert results["already text"]["got"]["types"] == ["string"] * results["already text"]["got"]["calls"]
    assert results["already text"]["got"]["text"] == "漢"
    assert results["direct"]["direct"] == "e6bc"


def test_a_real_child_writing_a_character_in_two_writes(results):
    assert results["child"]["seen"] == ["e6bca20a"]
