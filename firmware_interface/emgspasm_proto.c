/* emgspasm wire protocol, version 1: reference implementation. See PROTOCOL.md. */
#include "emgspasm_proto.h"

#include <string.h>

uint16_t emgp_crc16(const uint8_t *data, size_t n)
{
    uint16_t crc = 0xFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    }
    return crc;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

size_t emgp_encode_frame(uint8_t type, const uint8_t *body, uint16_t len,
                         uint8_t *out, size_t cap)
{
    size_t total = (size_t)len + EMGP_ENVELOPE;
    if (cap < total || len > EMGP_MAX_BODY) return 0;
    out[0] = EMGP_SYNC0;
    out[1] = EMGP_SYNC1;
    out[2] = EMGP_VERSION;
    out[3] = type;
    put16(out + 4, len);
    if (len && body != out + 6) memmove(out + 6, body, len);
    put16(out + 6 + len, emgp_crc16(out + 2, (size_t)len + 4));
    return total;
}

static size_t width_of(uint8_t format)
{
    switch (format) {
    case EMGP_INT16: return 2;
    case EMGP_INT24: return 3;
    case EMGP_FLOAT32: return 4;
    default: return 0;
    }
}

size_t emgp_encode_data(const emgp_data_header *h, const void *samples,
                        uint8_t *out, size_t cap)
{
    size_t width = width_of(h->format);
    size_t count = (size_t)h->samples * h->channels;
    size_t len = EMGP_DATA_HEADER + count * width;
    if (!width || h->channels < 1 || h->channels > 64 || h->samples < 1 ||
        len > EMGP_MAX_BODY || cap < len + EMGP_ENVELOPE)
        return 0;
    uint8_t *b = out + 6; /* build the body in place */
    put16(b, h->seq);
    b[2] = h->channels;
    b[3] = h->format;
    put32(b + 4, h->rate);
    put16(b + 8, h->samples);
    b[10] = h->status;
    b[11] = 0;
    put64(b + 12, h->leads_off_mask);
    uint32_t scale_bits;
    memcpy(&scale_bits, &h->scale, 4);
    put32(b + 20, scale_bits);
    uint8_t *s = b + EMGP_DATA_HEADER;
    for (size_t i = 0; i < count; i++) {
        if (h->format == EMGP_INT16) {
            put16(s + 2 * i, (uint16_t)((const int16_t *)samples)[i]);
        } else if (h->format == EMGP_INT24) {
            uint32_t v = (uint32_t)((const int32_t *)samples)[i];
            s[3 * i] = (uint8_t)v;
            s[3 * i + 1] = (uint8_t)(v >> 8);
            s[3 * i + 2] = (uint8_t)(v >> 16);
        } else {
            uint32_t bits;
            memcpy(&bits, &((const float *)samples)[i], 4);
            put32(s + 4 * i, bits);
        }
    }
    return emgp_encode_frame(EMGP_DATA, b, (uint16_t)len, out, cap);
}

size_t emgp_encode_command(uint8_t type, uint32_t arg, uint8_t *out, size_t cap)
{
    uint8_t body[4] = {0, 0, 0, 0};
    if (type == EMGP_SET_RATE) {
        put32(body, arg);
        return emgp_encode_frame(type, body, 4, out, cap);
    }
    if (type != EMGP_START && type != EMGP_STOP && type != EMGP_IDENTIFY) return 0;
    return emgp_encode_frame(type, body, 0, out, cap);
}

void emgp_parser_init(emgp_parser *p)
{
    p->fill = 0;
    p->crc_errors = 0;
    p->dropped_bytes = 0;
}

/* Drop the first byte and slide to the next possible sync word. */
static void resync(emgp_parser *p)
{
    size_t i = 1;
    while (i < p->fill && p->buf[i] != EMGP_SYNC0) i++;
    p->dropped_bytes += (uint32_t)i;
    memmove(p->buf, p->buf + i, p->fill - i);
    p->fill -= i;
}

/* Offset of a valid frame that ends exactly at the last byte received and
 * starts after offset 0, or 0. Finding one means the length field of the
 * frame at offset 0 was corrupt. */
static size_t inner_frame(const emgp_parser *p)
{
    for (size_t j = 1; j + EMGP_ENVELOPE <= p->fill; j++) {
        if (p->buf[j] != EMGP_SYNC0 || p->buf[j + 1] != EMGP_SYNC1 ||
            p->buf[j + 2] != EMGP_VERSION)
            continue;
        size_t len = (size_t)(p->buf[j + 4] | (p->buf[j + 5] << 8));
        if (j + len + EMGP_ENVELOPE != p->fill) continue;
        uint16_t crc = (uint16_t)(p->buf[p->fill - 2] | (p->buf[p->fill - 1] << 8));
        if (emgp_crc16(p->buf + j + 2, len + 4) == crc) return j;
    }
    return 0;
}

int emgp_parser_push(emgp_parser *p, uint8_t byte, emgp_frame *frame)
{
    p->buf[p->fill++] = byte;
    for (;;) {
        if (p->fill >= 1 && p->buf[0] != EMGP_SYNC0) { resync(p); continue; }
        if (p->fill >= 2 && p->buf[1] != EMGP_SYNC1) { resync(p); continue; }
        if (p->fill >= 3 && p->buf[2] != EMGP_VERSION) { resync(p); continue; }
        if (p->fill < 6) return 0;
        uint16_t len = (uint16_t)(p->buf[4] | (p->buf[5] << 8));
        if (len > EMGP_MAX_BODY) { resync(p); continue; }
        size_t total = (size_t)len + EMGP_ENVELOPE;
        if (p->fill < total) {
            size_t j = inner_frame(p);
            if (!j) return 0;
            p->crc_errors++;
            p->dropped_bytes += (uint32_t)j;
            memmove(p->buf, p->buf + j, p->fill - j);
            p->fill -= j;
            continue;
        }
        uint16_t crc = (uint16_t)(p->buf[total - 2] | (p->buf[total - 1] << 8));
        if (emgp_crc16(p->buf + 2, (size_t)len + 4) != crc) {
            p->crc_errors++;
            resync(p);
            continue;
        }
        frame->type = p->buf[3];
        frame->length = len;
        frame->body = p->buf + 6;
        p->fill = 0; /* the body stays readable until the next push */
        return 1;
    }
}
