/*
 * fmt.c - the format registry, format detection, and the read/write entry
 * points of the library.
 *
 * Before any reader runs, the input is checked once for what no format
 * accepts: NUL bytes (binary files), invalid UTF-8 and lines over
 * TS_MAX_LINE.  Each is an input error located at line:col.  A UTF-8 byte
 * order mark is removed here and remembered, so writers can put it back.
 * Format flags adjust the check: nul_as_fffd (WebVTT reads NUL as
 * U+FFFD) and own_encoding (XML readers decode the declared encoding, so
 * the bytes need not be UTF-8); JSON and XML formats set long_lines_ok,
 * since whole documents often sit on one line.
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

static ts_status check_input(ts_context *ctx, const char *name, const char *d, size_t n,
                             int any_encoding, int long_lines_ok)
{
    unsigned line, col;
    const char *nul = memchr(d, '\0', n);
    size_t bad = any_encoding ? (nul ? (size_t)(nul - d) : n)
                              : ts_utf8_valid_prefix(d, nul ? (size_t)(nul - d) : n);
    if (bad < (nul ? (size_t)(nul - d) : n)) {
        ts_offset_pos(d, bad, &line, &col);
        ts_diag_emit(ctx, name, line, col, TS_SEV_ERROR, TS_DIAG_UTF8,
                     "invalid UTF-8 (byte 0x%02X)", (unsigned char)d[bad]);
        return TS_ERR_INPUT;
    }
    if (nul) {
        ts_offset_pos(d, (size_t)(nul - d), &line, &col);
        ts_diag_emit(ctx, name, line, col, TS_SEV_ERROR, TS_DIAG_NUL,
                     "NUL byte in input (binary file?)");
        return TS_ERR_INPUT;
    }
    size_t s = 0;
    while (s < n && !long_lines_ok) {
        const char *nl = memchr(d + s, '\n', n - s);
        size_t e = nl ? (size_t)(nl - d) : n;
        if (e - s > TS_MAX_LINE) {
            ts_offset_pos(d, s, &line, &col);
            ts_diag_emit(ctx, name, line, 1, TS_SEV_ERROR, TS_DIAG_LONG_LINE,
                         "line of %zu bytes exceeds the limit of %u", e - s, TS_MAX_LINE);
            return TS_ERR_INPUT;
        }
        s = e + 1;
    }
    return TS_OK;
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

static const ts_format *detect(const char *name, const char *d, size_t n)
{
    const ts_format *best = NULL;
    int best_score = -1;
    const char *dot = name ? strrchr(name, '.') : NULL;
    for (size_t i = 0; i < N_FORMATS; i++) {
        int score = format_table[i]->sniff(d, n);
        /* The extension breaks ties and lifts formats that sniff weakly. */
        if (dot && score > 0) {
            const char *ex = format_table[i]->info.extensions;
            size_t el = strlen(dot + 1);
            for (const char *p = ex; (p = strstr(p, dot + 1)); p += el)
                if ((p == ex || p[-1] == ' ') && (p[el] == ' ' || p[el] == '\0')) {
                    score += 5;
                    break;
                }
        }
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
    if (!st) st = check_input(ctx, t->name, t->input, t->input_len, fmt->own_encoding,
                                fmt->long_lines_ok);
    if (!st) {
        t->format = fmt;
        st = fmt->read(ctx, t);
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
