/*
 * Plain C baseline for `npm run bench -- rle` (bench/rle.ts compiles it with the system `cc -O2`
 * into a temp dir; never shipped). COCO RLE on column-major (Fortran-order) uint8 masks, the same
 * loops pycocotools' common/maskApi.c runs for mask.encode (rleEncode, then rleToString) and
 * mask.decode (rleFrString, then rleDecode), written afresh here for the bench.
 *
 * usage: rle MASKS.bin REPS STRINGS.out
 *   MASKS.bin: uint32 count, then per mask uint32 height, uint32 width, height*width bytes in
 *   column-major order (little-endian). Prints one JSON line with the wall-clock and process CPU
 *   nanoseconds of each repetition of encode (mask -> counts -> string, all masks), decode
 *   (string -> counts -> mask, all masks) and, for context, decode into row-major masks; writes the strings of the last encode, one per
 *   line, to STRINGS.out.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  uint32_t h, w;
  uint8_t *px;
} Mask;

static double clock_ns(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Wall-clock and process CPU time of one repetition. */
typedef struct {
  double wall, cpu;
} Stamp;

static Stamp stamp(void) {
  Stamp s = {clock_ns(CLOCK_MONOTONIC), clock_ns(CLOCK_PROCESS_CPUTIME_ID)};
  return s;
}

static void report(const char *name, const Stamp *t0, const Stamp *t1, int reps) {
  printf("\"%sWallNs\":[", name);
  for (int r = 0; r < reps; r++) printf("%s%.0f", r > 0 ? "," : "", t1[r].wall - t0[r].wall);
  printf("],\"%sCpuNs\":[", name);
  for (int r = 0; r < reps; r++) printf("%s%.0f", r > 0 ? "," : "", t1[r].cpu - t0[r].cpu);
  printf("],");
}

/* Column-major pixels -> run lengths, the first run being zeros (maybe empty). */
static size_t runs_of(const uint8_t *px, size_t n, uint32_t *runs) {
  size_t k = 0;
  uint8_t prev = 0;
  uint32_t len = 0;
  for (size_t i = 0; i < n; i++) {
    if (px[i] != prev) {
      runs[k++] = len;
      len = 0;
      prev = px[i];
    }
    len++;
  }
  runs[k++] = len;
  return k;
}

/* Runs -> COCO string: from the fourth run on, the difference to the run two back; 5 bits a char
 * from the low end, 0x20 = more chars follow, 0x10 of the last char = sign; offset by '0'. */
static size_t runs_to_string(const uint32_t *runs, size_t m, char *out) {
  size_t p = 0;
  for (size_t i = 0; i < m; i++) {
    long long v = (long long)runs[i];
    if (i > 2) v -= (long long)runs[i - 2];
    for (;;) {
      int c = (int)(v & 0x1f);
      v >>= 5;
      int again = (c & 0x10) ? v != -1 : v != 0;
      if (again) c |= 0x20;
      out[p++] = (char)(c + 48);
      if (!again) break;
    }
  }
  out[p] = 0;
  return p;
}

/* COCO string -> runs (the inverse of runs_to_string). */
static size_t string_to_runs(const char *s, uint32_t *runs) {
  size_t m = 0;
  size_t p = 0;
  while (s[p] != 0) {
    long long v = 0;
    int shift = 0;
    int c;
    do {
      c = s[p++] - 48;
      v |= (long long)(c & 0x1f) << shift;
      shift += 5;
    } while (c & 0x20);
    if (c & 0x10) v |= (long long)(~0ULL << shift);
    if (m > 2) v += (long long)runs[m - 2];
    runs[m++] = (uint32_t)v;
  }
  return m;
}

/* Runs -> column-major pixels, zeros first, alternating. */
static void pixels_of(const uint32_t *runs, size_t m, uint8_t *px) {
  uint8_t v = 0;
  for (size_t j = 0; j < m; j++) {
    for (uint32_t t = 0; t < runs[j]; t++) *px++ = v;
    v = !v;
  }
}

/* The same runs written into a row-major (C-order) mask, pixel by pixel down each column: what
 * the decode costs in C when the caller wants the layout Tessera returns. Context only. */
static void pixels_of_row_major(const uint32_t *runs, size_t m, uint32_t h, uint32_t w, uint8_t *px) {
  uint8_t v = 0;
  uint32_t y = 0, x = 0;
  for (size_t j = 0; j < m; j++) {
    for (uint32_t t = 0; t < runs[j]; t++) {
      px[(size_t)y * w + x] = v;
      if (++y == h) {
        y = 0;
        x++;
      }
    }
    v = !v;
  }
}

/* mask.encode of one mask: a scratch run buffer of area + 1 entries, then a string. */
static char *encode(const Mask *mk) {
  size_t n = (size_t)mk->h * mk->w;
  uint32_t *runs = malloc(sizeof(uint32_t) * (n + 1));
  size_t m = runs_of(mk->px, n, runs);
  char *s = malloc(m * 7 + 1);
  runs_to_string(runs, m, s);
  free(runs);
  return s;
}

/* mask.decode of one string into a fresh buffer (column-major, or row-major for context). */
static uint8_t *decode(const char *s, const Mask *mk, int row_major) {
  size_t n = (size_t)mk->h * mk->w;
  uint32_t *runs = malloc(sizeof(uint32_t) * (strlen(s) + 1));
  size_t m = string_to_runs(s, runs);
  uint8_t *px = malloc(n > 0 ? n : 1);
  if (row_major)
    pixels_of_row_major(runs, m, mk->h, mk->w, px);
  else
    pixels_of(runs, m, px);
  free(runs);
  return px;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: rle MASKS.bin REPS STRINGS.out\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL) return 1;
  uint32_t count;
  if (fread(&count, 4, 1, f) != 1) return 1;
  Mask *masks = calloc(count, sizeof(Mask));
  for (uint32_t i = 0; i < count; i++) {
    uint32_t hw[2];
    if (fread(hw, 4, 2, f) != 2) return 1;
    masks[i].h = hw[0];
    masks[i].w = hw[1];
    size_t n = (size_t)hw[0] * hw[1];
    masks[i].px = malloc(n > 0 ? n : 1);
    if (fread(masks[i].px, 1, n, f) != n) return 1;
  }
  fclose(f);
  int reps = atoi(argv[2]);
  char **strings = calloc(count, sizeof(char *));
  unsigned long long sink = 0;

  if (reps < 1 || reps > 1000) return 2;
  Stamp *t0 = calloc((size_t)reps + 1, sizeof(Stamp));
  Stamp *t1 = calloc((size_t)reps + 1, sizeof(Stamp));
  /* Repetition 0 is a warm-up, not reported. */
  for (int r = 0; r <= reps; r++) {
    for (uint32_t i = 0; i < count; i++) free(strings[i]);
    t0[r] = stamp();
    for (uint32_t i = 0; i < count; i++) strings[i] = encode(&masks[i]);
    t1[r] = stamp();
  }
  printf("{");
  report("encode", t0 + 1, t1 + 1, reps);
  for (int r = 0; r <= reps; r++) {
    t0[r] = stamp();
    for (uint32_t i = 0; i < count; i++) {
      uint8_t *px = decode(strings[i], &masks[i], 0);
      sink += px[((size_t)masks[i].h * masks[i].w) / 2];
      free(px);
    }
    t1[r] = stamp();
  }
  report("decode", t0 + 1, t1 + 1, reps);
  for (int r = 0; r <= reps; r++) {
    t0[r] = stamp();
    for (uint32_t i = 0; i < count; i++) {
      uint8_t *px = decode(strings[i], &masks[i], 1);
      sink += px[((size_t)masks[i].h * masks[i].w) / 2];
      free(px);
    }
    t1[r] = stamp();
  }
  report("decodeRowMajor", t0 + 1, t1 + 1, reps);
  /* Check (untimed) that decoding gives the masks back. */
  int same = 1;
  for (uint32_t i = 0; i < count; i++) {
    uint8_t *px = decode(strings[i], &masks[i], 0);
    if (memcmp(px, masks[i].px, (size_t)masks[i].h * masks[i].w) != 0) same = 0;
    free(px);
  }
  printf("\"roundTrip\":%s,\"sink\":%llu}\n", same ? "true" : "false", sink);

  FILE *o = fopen(argv[3], "wb");
  if (o == NULL) return 1;
  for (uint32_t i = 0; i < count; i++) fprintf(o, "%s\n", strings[i]);
  fclose(o);
  return 0;
}
