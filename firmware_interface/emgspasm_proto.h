/*
 * emgspasm wire protocol, version 1: reference implementation for firmware.
 *
 * Portable C99, no heap, fixed buffers. See PROTOCOL.md for the format.
 * Encode DATA and IDENT frames; parse host command frames byte by byte.
 */
#ifndef EMGSPASM_PROTO_H
#define EMGSPASM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define EMGP_SYNC0 0xA5u
#define EMGP_SYNC1 0x5Au
#define EMGP_VERSION 1u
#define EMGP_ENVELOPE 8u       /* sync 2 + version 1 + type 1 + length 2 + CRC 2 */
#define EMGP_DATA_HEADER 24u

/* Largest body a parser accepts; a device that only parses commands can
 * define a small value (commands have bodies of at most 4 bytes). */
#ifndef EMGP_MAX_BODY
#define EMGP_MAX_BODY 16384u
#endif

enum emgp_type {
    EMGP_DATA = 0x01, EMGP_IDENT = 0x02,
    EMGP_START = 0x10, EMGP_STOP = 0x11, EMGP_IDENTIFY = 0x12, EMGP_SET_RATE = 0x13
};

enum emgp_format { EMGP_INT16 = 0, EMGP_INT24 = 1, EMGP_FLOAT32 = 2 };

enum emgp_status {
    EMGP_STATUS_LEADS_OFF = 1u, EMGP_STATUS_SATURATION = 2u, EMGP_STATUS_BATTERY_LOW = 4u
};

typedef struct {
    uint16_t seq;
    uint8_t channels;        /* 1..64 */
    uint8_t format;          /* enum emgp_format */
    uint32_t rate;           /* Hz */
    uint16_t samples;        /* per channel, 1..1024 */
    uint8_t status;          /* enum emgp_status bits */
    uint64_t leads_off_mask; /* bit c: channel c leads off */
    float scale;             /* volts per count */
} emgp_data_header;

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF. */
uint16_t emgp_crc16(const uint8_t *data, size_t n);

/* Wrap body[0..len) in an envelope. Returns bytes written, 0 if cap is short. */
size_t emgp_encode_frame(uint8_t type, const uint8_t *body, uint16_t len,
                         uint8_t *out, size_t cap);

/* One DATA frame. samples: int16_t[], int32_t[] (low 24 bits) or float[],
 * sample-major (s0c0, s0c1, ...). Returns bytes written, 0 on bad input. */
size_t emgp_encode_data(const emgp_data_header *h, const void *samples,
                        uint8_t *out, size_t cap);

/* A command frame; arg is the rate for EMGP_SET_RATE, ignored otherwise. */
size_t emgp_encode_command(uint8_t type, uint32_t arg, uint8_t *out, size_t cap);

/* Byte-by-byte parser with resynchronisation after garbage or CRC errors. */
typedef struct {
    uint8_t buf[EMGP_MAX_BODY + EMGP_ENVELOPE];
    size_t fill;
    uint32_t crc_errors;
    uint32_t dropped_bytes;
} emgp_parser;

typedef struct {
    uint8_t type;
    uint16_t length;
    const uint8_t *body; /* points into the parser: valid until the next push */
} emgp_frame;

void emgp_parser_init(emgp_parser *p);

/* Feed one byte. Returns 1 and fills *frame when a valid frame completes. */
int emgp_parser_push(emgp_parser *p, uint8_t byte, emgp_frame *frame);

#endif
