"""The cut-write counter the Go tests and the demo rely on (scripts/splitwrites.py)."""

import shutil
import sys

import pytest

import splitwrites


def test_character_ends_treat_invalid_bytes_as_units():
    data = "a漢".encode() + b"\xe4\xb8" + b"x"
    ends = splitwrites.character_ends(data)
    assert [i for i, e in enumerate(ends) if e] == [0, 1, 4, 5, 6, 7]


def test_write_sizes_follow_the_pipe_across_unfinished_calls():
    trace = "\n".join([
        '10 write(1<pipe:[42]>, ""..., 5) = 5',
        '11 write(1<pipe:[42]>, ""..., 9 <unfinished ...>',
        '10 write(2<pipe:[7]>, ""..., 3) = 3',
        '11 <... write resumed>) = 9',
        '12 writev(1<pipe:[42]>, [{iov_base=""..., iov_len=4}], 1) = 4',
        '10 write(1<pipe:[42]>, ""..., 2) = -1 EPIPE (Broken pipe)',
    ])
    assert splitwrites.write_sizes(trace, "pipe:[42]") == [5, 9, 4]


@pytest.mark.skipif(not shutil.which("strace"), reason="needs strace")
def test_measure_counts_a_cut_write():
    code = "import os; os.write(1, '漢字'.encode()[:4]); os.write(1, '漢字'.encode()[4:] + b'\\n')"
    m = splitwrites.measure([sys.executable, "-c", code])
    assert (m.writes, m.cut, m.data) == (2, 1, "漢字\n".encode())
