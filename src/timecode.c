/*
 * timecode.c - parsing, formatting and conversion of timecodes.
 *
 * Drop-frame labels skip frame numbers 0 and 1 (0-3 at 60 fps) at the start
 * of every minute except each tenth, so label counts and real frame counts
 * differ; conversions to seconds go through the real frame count at the
 * NTSC rate fps*1000/1001.
 */
#include "timecode.h"

#include <math.h>
#include <stdio.h>

int ts_tc_valid_fps(unsigned fps) { return fps >= 1 && fps <= 120; }

static int parse_field(const char *s, size_t n, size_t *i, int digits_min, int digits_max, long *out)
{
    long v = 0;
    int d = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9' && d < digits_max) {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        d++;
    }
    if (d < digits_min) return -1;
    *out = v;
    return 0;
}

static unsigned drop_per_minute(unsigned fps) { return fps == 60 ? 4 : 2; }

int ts_tc_parse_frames(const char *s, size_t n, unsigned fps, ts_timecode *out,
                       const char **why, size_t *err_off)
{
    long f[4];
    size_t i = 0, start[4];
    char sep = ':';
    for (int k = 0; k < 4; k++) {
        start[k] = i;
        if (parse_field(s, n, &i, 2, 2, &f[k])) {
            *why = "malformed timecode (expected HH:MM:SS:FF)";
            *err_off = i;
            return -1;
        }
        if (k < 3) {
            if (i >= n || (s[i] != ':' && !(k == 2 && s[i] == ';'))) {
                *why = "malformed timecode (expected HH:MM:SS:FF)";
                *err_off = i;
                return -1;
            }
            if (k == 2) sep = s[i];
            i++;
        }
    }
    if (i != n) {
        *why = "malformed timecode (unexpected characters after the frames)";
        *err_off = i;
        return -1;
    }
    if (f[1] > 59) { *why = "minutes out of range (00-59)"; *err_off = start[1]; return -1; }
    if (f[2] > 59) { *why = "seconds out of range (00-59)"; *err_off = start[2]; return -1; }
    if (f[3] >= (long)fps) { *why = "frame number out of range for the frame rate"; *err_off = start[3]; return -1; }
    if (sep == ';') {
        if (fps != 30 && fps != 60) {
            *why = "drop-frame timecode needs a nominal rate of 30 or 60 fps";
            *err_off = start[3] - 1;
            return -1;
        }
        if (f[2] == 0 && f[1] % 10 != 0 && f[3] < (long)drop_per_minute(fps)) {
            *why = "frame label does not exist in drop-frame timecode";
            *err_off = start[3];
            return -1;
        }
    }
    out->kind = TS_TC_FRAMES;
    out->fps = (uint16_t)fps;
    out->drop = sep == ';';
    out->sep = sep;
    out->value = ((f[0] * 60 + f[1]) * 60 + f[2]) * (int64_t)fps + f[3];
    return 0;
}

int ts_tc_parse_clock(const char *s, size_t n, int allow_short, ts_timecode *out,
                      const char **why, size_t *err_off)
{
    long f[3] = {0, 0, 0}, ms = 0;
    size_t i = 0, fstart[3];
    int nf = 0;
    for (;;) {
        fstart[nf] = i;
        if (parse_field(s, n, &i, 1, nf == 0 ? 9 : 2, &f[nf])) {
            *why = "malformed timestamp (expected HH:MM:SS,mmm)";
            *err_off = i;
            return -1;
        }
        nf++;
        if (i < n && s[i] == ':' && nf < 3) { i++; continue; }
        break;
    }
    if (nf < 2 || (nf == 2 && !allow_short)) {
        *why = "malformed timestamp (expected HH:MM:SS,mmm)";
        *err_off = i;
        return -1;
    }
    char sep = '.';
    if (i < n && (s[i] == ',' || s[i] == '.')) {
        sep = s[i++];
        size_t fs = i;
        if (parse_field(s, n, &i, 3, 3, &ms)) {
            *why = "malformed timestamp (expected three digits of milliseconds)";
            *err_off = fs;
            return -1;
        }
    } else {
        *why = "malformed timestamp (missing milliseconds)";
        *err_off = i;
        return -1;
    }
    if (i != n) {
        *why = "malformed timestamp (unexpected characters)";
        *err_off = i;
        return -1;
    }
    long h = nf == 3 ? f[0] : 0, m = nf == 3 ? f[1] : f[0], sec = nf == 3 ? f[2] : f[1];
    size_t moff = nf == 3 ? fstart[1] : fstart[0], soff = fstart[nf - 1];
    if (m > 59) { *why = "minutes out of range (00-59)"; *err_off = moff; return -1; }
    if (sec > 59) { *why = "seconds out of range (00-59)"; *err_off = soff; return -1; }
    out->kind = TS_TC_MS;
    out->fps = nf == 3 ? 3 : 2; /* remembers whether hours were written */
    out->drop = 0;
    out->sep = sep;
    out->value = ((int64_t)(h * 60 + m) * 60 + sec) * 1000 + ms;
    return 0;
}

size_t ts_tc_format(const ts_timecode *tc, char out[TS_TC_TEXT_MAX])
{
    int n = 0;
    if (tc->kind == TS_TC_FRAMES) {
        int64_t v = tc->value, fps = tc->fps;
        int64_t fr = v % fps, s = (v / fps) % 60, m = (v / fps / 60) % 60, h = v / fps / 3600;
        n = snprintf(out, TS_TC_TEXT_MAX, "%02lld:%02lld:%02lld%c%02lld", (long long)h,
                     (long long)m, (long long)s, tc->drop ? ';' : ':', (long long)fr);
    } else if (tc->kind == TS_TC_MS) {
        int64_t v = tc->value;
        int64_t ms = v % 1000, s = (v / 1000) % 60, m = (v / 60000) % 60, h = v / 3600000;
        if (tc->fps == 2 && h == 0)
            n = snprintf(out, TS_TC_TEXT_MAX, "%02lld:%02lld%c%03lld", (long long)m,
                         (long long)s, tc->sep, (long long)ms);
        else
            n = snprintf(out, TS_TC_TEXT_MAX, "%02lld:%02lld:%02lld%c%03lld", (long long)h,
                         (long long)m, (long long)s, tc->sep, (long long)ms);
    } else {
        out[0] = '\0';
    }
    return n < 0 ? 0 : (size_t)n;
}

double ts_tc_seconds(const ts_timecode *tc)
{
    if (tc->kind == TS_TC_MS) return (double)tc->value / 1000.0;
    if (tc->kind != TS_TC_FRAMES) return -1;
    if (!tc->drop) return (double)tc->value / tc->fps;
    int64_t per_min = (int64_t)tc->fps * 60;
    int64_t minutes = tc->value / per_min;
    int64_t real = tc->value - drop_per_minute(tc->fps) * (minutes - minutes / 10);
    return (double)real * 1001.0 / (tc->fps * 1000.0);
}

ts_timecode ts_tc_from_seconds(double seconds, const ts_timecode *like)
{
    ts_timecode tc = *like;
    if (seconds < 0) seconds = 0;
    if (like->kind == TS_TC_MS) {
        tc.value = (int64_t)llround(seconds * 1000.0);
    } else if (like->kind == TS_TC_FRAMES) {
        if (!like->drop) {
            tc.value = (int64_t)llround(seconds * like->fps);
        } else {
            /* Real frames at the NTSC rate, then add the skipped labels back. */
            int64_t real = (int64_t)llround(seconds * like->fps * 1000.0 / 1001.0);
            int64_t d = drop_per_minute(like->fps);
            int64_t per10 = (int64_t)like->fps * 600 - 9 * d;   /* real frames per 10 min */
            int64_t per1 = (int64_t)like->fps * 60 - d;         /* real frames per dropped minute */
            int64_t tens = real / per10, rem = real % per10;
            int64_t extra = rem < d ? 0 : d * ((rem - d) / per1);
            tc.value = real + 9 * d * tens + extra;
        }
    } else {
        tc.kind = TS_TC_MS;
        tc.fps = 3;
        tc.sep = ',';
        tc.value = (int64_t)llround(seconds * 1000.0);
    }
    return tc;
}

int ts_tc_compare(const ts_timecode *a, const ts_timecode *b)
{
    if (a->kind == b->kind && a->kind == TS_TC_FRAMES && a->fps == b->fps && a->drop == b->drop)
        return (a->value > b->value) - (a->value < b->value);
    if (a->kind == TS_TC_MS && b->kind == TS_TC_MS)
        return (a->value > b->value) - (a->value < b->value);
    double x = ts_tc_seconds(a), y = ts_tc_seconds(b);
    return (x > y) - (x < y);
}
