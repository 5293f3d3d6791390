/*
 * fmt.c - the format registry, format detection, and the read/write entry
 * points of the library.
 *
 * Before any reader runs, the input is checked once for what no format
 * accepts: NUL bytes (binary files), bytes that are not UTF-8 in a file
 * that also has control bytes (binary again), and lines over TS_MAX_LINE,
 * each an input error located at line:col.  Other bytes that are not UTF-8
 * (Latin-1 or Windows-1252 text pasted into a UTF-8 file) are no error:
 * each is read as its Windows-1252 character and its position is kept in
 * the transcript, for the encoding pass to report.  A UTF-8 byte order mark
 * is removed here and remembered, so writers can put it back.  Format flags
 * adjust the check: nul_as_fffd (WebVTT reads NUL as U+FFFD), own_encoding
 * (XML readers decode the declared encoding, so the bytes need not be
 * UTF-8) and long_lines_ok (JSON and XML documents often sit on one line).
 */
#include "fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"
#include "diag.h"
#include "utf8.h"

#define TS_FORMAT_ENTRY(name) &ts_fmt_##name,
static const ts_format *const format_table[] = {TS_FORMAT_LIST(TS_FORMAT_ENTRY)};
#undef TS_FORMAT_ENTRY
#define N_FORMATS (sizeof format_table / sizeof format_table[0])

size_t ts_format_count(void) { return N_FORMATS; }
const ts_format_info *ts_format_at(size_t i) { return i < N_FORMATS ? &format_table[i]->info : NULL; }

const ts_format *ts_format_find(const char *name)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (strcmp(format_table[i]->info.name, name) == 0) return format_table[i];
    return NULL;
}

int ts_next_line(const char *data, size_t len, size_t *pos, unsigned *number, ts_line *out)
{
    if (*pos >= len) return 0;
    size_t s = *pos;
    const char *nl = memchr(data + s, '\n', len - s);
    size_t e = nl ? (size_t)(nl - data) : len;
    out->start = s;
    out->next = nl ? e + 1 : len;
    if (e > s && data[e - 1] == '\r') e--;
    out->end = e;
    out->number = ++*number;
    *pos = out->next;
    return 1;
}

void ts_offset_pos(const char *data, size_t off, unsigned *line, unsigned *col)
{
    unsigned l = 1;
    size_t ls = 0;
    for (size_t i = 0; i < off; i++)
        if (data[i] == '\n') {
            l++;
            ls = i + 1;
        }
    *line = l;
    *col = (unsigned)ts_utf8_count(data + ls, off - ls) + 1;
}

/* Re-encodes every byte of t->input that is not part of valid UTF-8 as
 * the UTF-8 of its Windows-1252 character, recording where each went. */
static ts_status recode_invalid(ts_transcript *t)
{
    const char *d = t->input;
    size_t n = t->input_len, bad = 0, first = ts_utf8_valid_prefix(d, n);
    if (first == n) return TS_OK;
    for (size_t i = first; i < n;) {
        size_t ok = ts_utf8_valid_prefix(d + i, n - i);
        i += ok;
        if (i < n) {
            bad++;
            i++;
        }
    }
    if (bad > UINT32_MAX / 4 || n > UINT32_MAX - 2 * bad) return TS_ERR_NOMEM;
    char *out = malloc(n + 2 * bad + 1); /* a byte becomes at most 3 */
    uint32_t *offs = ts_arena_alloc(&t->arena, bad * sizeof *offs);
    uint8_t *bytes = ts_arena_alloc(&t->arena, bad);
    if (!out || !offs || !bytes) {
        free(out);
        return TS_ERR_NOMEM;
    }
    size_t w = 0, k = 0;
    for (size_t i = 0; i < n;) {
        size_t ok = ts_utf8_valid_prefix(d + i, n - i);
        memcpy(out + w, d + i, ok);
        w += ok;
        i += ok;
        if (i == n) break;
        unsigned char b = (unsigned char)d[i++];
        offs[k] = (uint32_t)w;
        bytes[k++] = b;
        w += ts_utf8_encode(ts_cp1252_decode(b), out + w);
    }
    free(t->input);
    t->input = out;
    t->input_len = w;
    t->recoded = offs;
    t->recoded_byte = bytes;
    t->n_recoded = k;
    return TS_OK;
}

/* Control bytes that no text file has (NUL is checked on its own). */
static bool has_binary_controls(const char *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)d[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1B) return true;
    }
    return false;
}

/* Formats whose specification reads NUL as U+FFFD (WebVTT) get that done
 * here, before the input check would reject the byte. */
static ts_status nul_to_fffd(ts_transcript *t)
{
    size_t n = t->input_len, nuls = 0;
    for (const char *p = t->input; (p = memchr(p, '\0', n - (size_t)(p - t->input))); p++) nuls++;
    if (!nuls) return TS_OK;
    if (nuls > (SIZE_MAX - n) / 2) return TS_ERR_NOMEM;
    char *d = realloc(t->input, n + 2 * nuls);
    if (!d) return TS_ERR_NOMEM;
    t->input = d;
    size_t w = n + 2 * nuls;
    for (size_t r = n; r-- > 0;) {
        if (d[r] == '\0') {
            w -= 3;
            memcpy(d + w, "\xEF\xBF\xBD", 3);
        } else {
            d[--w] = d[r];
        }
    }
    t->input_len = n + 2 * nuls;
    return TS_OK;
}

static ts_status check_input(ts_context *ctx, ts_transcript *t, const ts_format *fmt)
{
    unsigned line, col;
    const char *nul = memchr(t->input, '\0', t->input_len);
    /* XML readers decode the encoding their document declares. */
    size_t bad = fmt->own_encoding ? t->input_len : ts_utf8_valid_prefix(t->input, t->input_len);
    if (bad < t->input_len && (!nul || bad < (size_t)(nul - t->input)) &&
        (nul || has_binary_controls(t->input, t->input_len))) {
        /* Not UTF-8 and not text in a single-byte code page either. */
        ts_offset_pos(t->input, bad, &line, &col);
        ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_UTF8,
                     "invalid UTF-8 (byte 0x%02X)", (unsigned char)t->input[bad]);
        return TS_ERR_INPUT;
    }
    if (nul) {
        ts_offset_pos(t->input, (size_t)(nul - t->input), &line, &col);
        ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_NUL,
                     "NUL byte in input (binary file?)");
        return TS_ERR_INPUT;
    }
    ts_status st = fmt->own_encoding ? TS_OK : recode_invalid(t);
    if (st) return st;
    const char *d = t->input;
    size_t n = t->input_len, s = 0;
    while (s < n && !fmt->long_lines_ok) {
        const char *nl = memchr(d + s, '\n', n - s);
        size_t e = nl ? (size_t)(nl - d) : n;
        if (e - s > TS_MAX_LINE) {
            ts_offset_pos(d, s, &line, &col);
            ts_diag_emit(ctx, t->name, line, 1, TS_SEV_ERROR, TS_DIAG_LONG_LINE,
                         "line of %zu bytes exceeds the limit of %u", e - s, TS_MAX_LINE);
            return TS_ERR_INPUT;
        }
        s = e + 1;
    }
    return TS_OK;
}

bool ts_format_has_extension(const ts_format_info *f, const char *ext)
{
    size_t el = strlen(ext);
    if (el == 0) return false;
    for (const char *p = f->extensions; (p = strstr(p, ext)); p += el)
        if ((p == f->extensions || p[-1] == ' ') && (p[el] == ' ' || p[el] == '\0')) return true;
    return false;
}

static int cmp_range(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Reports the recoded bytes that no segment's text holds (timing or
 * speaker lines, headers): the encoding pass reports the others, at their
 * place in the text. */
static ts_status report_recoded_outside(ts_context *ctx, const ts_transcript *t)
{
    if (!t->n_recoded) return TS_OK;
    size_t *r = malloc((t->n ? t->n : 1) * 2 * sizeof *r), nr = 0;
    if (!r) return TS_ERR_NOMEM;
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        if (s->orig_text < t->input || s->orig_text >= t->input + t->input_len) continue;
        r[2 * nr] = (size_t)(s->orig_text - t->input);
        r[2 * nr + 1] = r[2 * nr] + s->orig_len;
        nr++;
    }
    qsort(r, nr, 2 * sizeof *r, cmp_range);
    size_t k = 0;
    for (size_t j = 0; j < t->n_recoded; j++) {
        size_t off = t->recoded[j];
        while (k < nr && r[2 * k + 1] <= off) k++;
        if (k < nr && r[2 * k] <= off) continue;
        unsigned line, col;
        char u[4];
        size_t ul = ts_utf8_encode(ts_cp1252_decode(t->recoded_byte[j]), u);
        ts_offset_pos(t->input, off, &line, &col);
        ts_diag_emit(ctx, t->name, line, col, TS_SEV_WARNING, TS_DIAG_UTF8,
                     "byte 0x%02X is not UTF-8; read as Windows-1252 '%.*s'",
                     t->recoded_byte[j], (int)ul, u);
    }
    free(r);
    return TS_OK;
}

static const ts_format *detect(const char *name, const char *d, size_t n)
{
    const ts_format *best = NULL;
    int best_score = -1;
    const char *dot = name ? strrchr(name, '.') : NULL;
    for (size_t i = 0; i < N_FORMATS; i++) {
        int score = format_table[i]->sniff(d, n);
        /* The extension breaks ties and lifts formats that sniff weakly. */
        if (dot && score > 0 && ts_format_has_extension(&format_table[i]->info, dot + 1))
            score += 5;
        if (score > best_score) {
            best_score = score;
            best = format_table[i];
        }
    }
    return best;
}

ts_status ts_read_owned(ts_context *ctx, const char *name, char *data, size_t len,
                        const char *format, ts_transcript **out)
{
    *out = NULL;
    const ts_format *fmt = NULL;
    if (format && !(fmt = ts_format_find(format))) {
        free(data);
        ts_diag_emit(ctx, NULL, 0, 0, TS_SEV_ERROR, TS_DIAG_USAGE,
                     "unknown format '%s' (see 'tscrub --help')", format);
        return TS_ERR_USAGE;
    }
    ts_transcript *t = ts_transcript_new(name, data, len);
    if (!t) return TS_ERR_NOMEM;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        /* Offsets stay relative to the original bytes for diagnostics, so
         * the BOM is blanked out of the reader's view by moving the data. */
        t->bom = true;
        memmove(data, data + 3, len - 3);
        t->input_len = len - 3;
    }
    if (!fmt) fmt = detect(name, t->input, t->input_len);
    ts_status st = fmt->nul_as_fffd ? nul_to_fffd(t) : TS_OK;
    if (!st) st = check_input(ctx, t, fmt);
    if (!st) {
        t->format = fmt;
        st = fmt->read(ctx, t);
        if (!st) st = report_recoded_outside(ctx, t);
    }
    if (st) {
        ts_transcript_free(t);
        return st;
    }
    *out = t;
    return TS_OK;
}

ts_status ts_read(ts_context *ctx, const char *name, const char *data, size_t len,
                  const char *format, ts_transcript **out)
{
    char *copy = malloc(len ? len : 1);
    if (!copy) return TS_ERR_NOMEM;
    if (len) memcpy(copy, data, len);
    return ts_read_owned(ctx, name, copy, len, format, out);
}

ts_status ts_read_file(ts_context *ctx, const char *path, const char *format, ts_transcript **out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        ts_diag_emit(ctx, path, 0, 0, TS_SEV_ERROR, TS_DIAG_IO, "cannot open: %s", strerror(errno));
        if (fd >= 0) close(fd);
        return TS_ERR_IO;
    }
    if (S_ISDIR(st.st_mode)) {
        ts_diag_emit(ctx, path, 0, 0, TS_SEV_ERROR, TS_DIAG_IO, "is a directory");
        close(fd);
        return TS_ERR_IO;
    }
    size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return TS_ERR_NOMEM;
    }
    for (;;) {
        if (len == cap) {
            char *p = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                close(fd);
                return TS_ERR_NOMEM;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            ts_diag_emit(ctx, path, 0, 0, TS_SEV_ERROR, TS_DIAG_IO, "read error: %s",
                         strerror(errno));
            free(buf);
            close(fd);
            return TS_ERR_IO;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    return ts_read_owned(ctx, path, buf, len, format, out);
}

ts_status ts_write(ts_context *ctx, const ts_transcript *t, const char *format,
                   ts_write_fn write, void *ud)
{
    const ts_format *fmt = t->format;
    if (format && !(fmt = ts_format_find(format))) {
        ts_diag_emit(ctx, NULL, 0, 0, TS_SEV_ERROR, TS_DIAG_USAGE,
                     "unknown format '%s' (see 'tscrub --help')", format);
        return TS_ERR_USAGE;
    }
    ts_out *o = malloc(sizeof *o);
    if (!o) return TS_ERR_NOMEM;
    ts_out_init(o, write, ud);
    ts_status st = fmt->write(ctx, t, o);
    if (ts_out_flush(o) && !st) st = TS_ERR_IO;
    free(o);
    return st;
}
