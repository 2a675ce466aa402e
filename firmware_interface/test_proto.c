/* Host unit tests of the reference implementation against golden_vectors.txt. */
#include "emgspasm_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; \
    printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static uint8_t frame_buf[EMGP_MAX_BODY + EMGP_ENVELOPE];
static emgp_parser parser;

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void check_line(char *line)
{
    char *tok[512];
    int n = 0;
    for (char *t = strtok(line, " \n"); t && n < 512; t = strtok(NULL, " \n")) tok[n++] = t;
    if (n < 12) return;
    const char *name = tok[0];
    int type = atoi(tok[1]);
    emgp_data_header h = {
        (uint16_t)atoi(tok[2]), (uint8_t)atoi(tok[3]), (uint8_t)atoi(tok[4]),
        (uint32_t)strtoul(tok[5], NULL, 10), (uint16_t)atoi(tok[6]),
        (uint8_t)atoi(tok[7]), strtoull(tok[8], NULL, 10), strtof(tok[9], NULL)};
    int n_values = atoi(tok[10]);
    const char *hex = tok[11 + n_values];
    static uint8_t expected[EMGP_MAX_BODY + EMGP_ENVELOPE];
    size_t expected_len = unhex(hex, expected);
    size_t len;
    if (type == EMGP_DATA) {
        static int16_t i16[4096];
        static int32_t i32[4096];
        static float f32[4096];
        for (int i = 0; i < n_values; i++) {
            i16[i] = (int16_t)atol(tok[11 + i]);
            i32[i] = (int32_t)atol(tok[11 + i]);
            f32[i] = strtof(tok[11 + i], NULL);
        }
        const void *samples = h.format == EMGP_INT16 ? (const void *)i16
                            : h.format == EMGP_INT24 ? (const void *)i32 : (const void *)f32;
        len = emgp_encode_data(&h, samples, frame_buf, sizeof frame_buf);
    } else {
        len = emgp_encode_command((uint8_t)type, h.rate, frame_buf, sizeof frame_buf);
    }
    CHECK(len == expected_len, "%s: encoded %zu bytes, golden has %zu", name, len, expected_len);
    CHECK(len == expected_len && memcmp(frame_buf, expected, len) == 0,
          "%s: encoded bytes differ from the golden vector", name);

    /* the parser finds the frame behind garbage, and rejects a corrupt copy */
    emgp_parser_init(&parser);
    emgp_frame f;
    int found = 0;
    const uint8_t garbage[] = {0x00, 0xA5, 0x13, 0xA5, 0x5A, 0x07, 0xFF};
    for (size_t i = 0; i < sizeof garbage; i++) found += emgp_parser_push(&parser, garbage[i], &f);
    static uint8_t corrupt[EMGP_MAX_BODY + EMGP_ENVELOPE];
    memcpy(corrupt, expected, expected_len);
    corrupt[expected_len / 2] ^= 0x40;
    for (size_t i = 0; i < expected_len; i++) found += emgp_parser_push(&parser, corrupt[i], &f);
    CHECK(found == 0, "%s: a corrupt frame was accepted", name);
    for (size_t i = 0; i < expected_len; i++) found += emgp_parser_push(&parser, expected[i], &f);
    CHECK(found == 1, "%s: parser found %d frames, expected 1", name, found);
    CHECK(found == 1 && f.type == type && f.length == expected_len - EMGP_ENVELOPE,
          "%s: parsed type %u length %u", name, f.type, f.length);
    CHECK(parser.crc_errors >= 1, "%s: the corrupt copy was not counted", name);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "golden_vectors.txt";
    FILE *fh = fopen(path, "r");
    if (!fh) { printf("cannot open %s\n", path); return 2; }
    static char line[65536];
    int lines = 0;
    while (fgets(line, sizeof line, fh)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        check_line(line);
        lines++;
    }
    fclose(fh);
    CHECK(emgp_crc16((const uint8_t *)"123456789", 9) == 0x29B1, "CRC check value");
    emgp_data_header bad = {0, 0, EMGP_INT16, 1000, 1, 0, 0, 1.0f};
    int16_t one = 0;
    CHECK(emgp_encode_data(&bad, &one, frame_buf, sizeof frame_buf) == 0, "0 channels refused");
    CHECK(emgp_encode_command(0x55, 0, frame_buf, sizeof frame_buf) == 0, "unknown command refused");
    CHECK(emgp_encode_command(EMGP_START, 0, frame_buf, 3) == 0, "short buffer refused");
    printf("%d passed, %d failed\n", lines + 4 - failures, failures);
    return failures ? 1 : 0;
}
