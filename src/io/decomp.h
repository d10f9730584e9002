/* decomp.h - a byte stream that undoes gzip or zstd transparently.
 *
 * Tables arrive as data.csv.gz or data.jsonl.zst as often as plain; the
 * readers pull bytes through this layer, which looks at the first bytes:
 * gzip (1f 8b, several members concatenated allowed), zstd (28 b5 2f fd,
 * several frames allowed) or plain. Memory is bounded (a few hundred KiB)
 * whatever the sizes. A decompression bomb (output over max_ratio times the
 * input read so far, once past 1 GiB of output by default) and truncated or corrupt
 * streams are errors naming the file and the compressed byte offset.
 * UTF-16 text (a byte order mark first, after any decompression) is given
 * out as UTF-8.
 */
#ifndef WHORL_IO_DECOMP_H
#define WHORL_IO_DECOMP_H

#include <stddef.h>
#include <stdint.h>

#include "whorl/errors.h"

typedef enum whorl_codec { WHORL_CODEC_NONE, WHORL_CODEC_GZIP, WHORL_CODEC_ZSTD } whorl_codec;

/* Text encoding of the (decompressed) stream: UTF-16 with its byte order
 * mark is given out as UTF-8 (the mark dropped); anything else as it is. */
typedef enum whorl_text_enc { WHORL_TEXT_BYTES = 0, WHORL_TEXT_UTF16LE, WHORL_TEXT_UTF16BE } whorl_text_enc;

typedef struct whorl_src whorl_src;

/* Opens path for reading (fd owned by the source). Output beyond
 * bomb_floor bytes (0 = 1 GiB) may be at most max_ratio (0 = 1000) times
 * the compressed bytes read. */
int whorl__src_open(const char *path, unsigned max_ratio, uint64_t bomb_floor, whorl_src **out, whorl_error *err);
/* Reads up to cap decompressed bytes: count, 0 at end, or a negative
 * status with err filled. */
long long whorl__src_read(whorl_src *s, uint8_t *buf, size_t cap, whorl_error *err);
whorl_codec whorl__src_codec(const whorl_src *s);
whorl_text_enc whorl__src_text_enc(const whorl_src *s);
/* Compressed bytes consumed so far (the position errors refer to). */
uint64_t whorl__src_offset(const whorl_src *s);
void whorl__src_close(whorl_src *s); /* NULL ok */

#endif
