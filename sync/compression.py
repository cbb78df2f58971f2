"""zstd both ways, with a hard cap on what a message may decompress to.

Every frame we write declares its content size and carries a checksum; a frame
that declares none, or more than the cap, is refused before any output is made,
so a decompression bomb costs no more memory than an honest message of the
maximum size, and a truncated or damaged frame is an error, not a short message.
"""

from __future__ import annotations

import zstandard

from sync.errors import MalformedBatch, TooLarge

LEVEL = 9


def compress(data: bytes, *, dictionary: zstandard.ZstdCompressionDict | None = None) -> bytes:
    compressor = zstandard.ZstdCompressor(
        level=LEVEL, dict_data=dictionary, write_checksum=True, write_content_size=True
    )
    return compressor.compress(data)


def decompress(
    data: bytes,
    *,
    max_output: int,
    dictionary: zstandard.ZstdCompressionDict | None = None,
) -> bytes:
    """Decompress one zstd frame; :class:`TooLarge` past ``max_output`` bytes."""
    decompressor = zstandard.ZstdDecompressor(dict_data=dictionary)
    try:
        params = zstandard.get_frame_parameters(data)
    except zstandard.ZstdError:
        raise MalformedBatch("the body is not zstd-compressed data") from None
    if params.content_size == zstandard.CONTENTSIZE_UNKNOWN:
        raise MalformedBatch("the compressed body does not declare its size")
    if params.content_size > max_output:
        raise TooLarge(f"the body declares {params.content_size} bytes, over {max_output}")
    try:
        out = decompressor.decompress(data, max_output_size=max_output)
    except zstandard.ZstdError as error:
        raise MalformedBatch(f"the compressed body is damaged ({error})") from None
    if len(out) != params.content_size:
        raise MalformedBatch("the compressed body is truncated")
    return out
