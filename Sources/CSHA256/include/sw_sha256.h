#ifndef STREETWARDEN_SHA256_H
#define STREETWARDEN_SHA256_H
#include <stddef.h>
#include <stdint.h>

/// Runs the SHA-256 compression function (FIPS 180-4, 6.2.2) over `blocks` 64-byte blocks at
/// `data`, updating the eight state words in place. Uses the CPU's SHA extensions when it has
/// them, portable C otherwise; both give the same words.
void sw_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// The portable C compression, always available (the twin the tests compare against).
void sw_sha256_blocks_portable(uint32_t state[8], const uint8_t *data, size_t blocks);

/// 1 when `sw_sha256_blocks` uses the SHA extensions on this CPU, else 0.
int sw_sha256_uses_sha_ni(void);
#endif
