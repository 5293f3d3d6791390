/*
 * pass_turns.c - merges diarization output into the transcript: with the
 * option speaker-turns=FILE.rttm (`--speaker-turns FILE.rttm`), each timed
 * segment gets the speaker whose turns overlap it most, and a segment that
 * two speakers share in sequence is split at the turn boundary.
 *
 * The turns are read once per context through the public reader (format
 * "rttm"), so this pass knows nothing of the RTTM format itself.  Every
 * turn of the file counts, whatever its file field.  A split falls at the
 * word boundary nearest to the boundary's share of the segment's duration
 * (the model has no per-word times), so its confidence is lower; the parts
 * are relabelled in the next round.  A segment two speakers share equally
 * keeps its speaker, and no split ever puts a segment before an earlier
 * one.  Without the option the pass does nothing.
 *
 * A segment with word times (ts_word) is decided word by word instead:
 * each timed word belongs to the turn it overlaps most (an untimed word,
 * or one in no turn, to the word before it, or else after it); where the
 * words change speaker the segment is split before the first word of the
 * new speaker, at that word's start (turns/word-split; with several
 * changes, the one nearest the middle first, so a segment is settled in
 * few rounds), and a segment whose words are all one speaker's gets that
 * speaker.
 */
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "pass.h"
#include "utf8.h"

enum { R_RELABEL, R_SPLIT, R_WORD_SPLIT, R_COUNT };

static const ts_rule_info turns_rules[R_COUNT] = {
    [R_RELABEL] = {"turns/relabel", "speaker set from the diarization turns that overlap the segment most", TS_SEV_WARNING},
    [R_SPLIT] = {"turns/split", "segment split where the diarization turn changes speaker", TS_SEV_WARNING},
    [R_WORD_SPLIT] = {"turns/word-split", "segment split at the word where the diarization turn changes speaker", TS_SEV_WARNING},
};

/* A split needs the second speaker to hold this much of the segment. */
#define MIN_SHARE 0.3
#define MIN_SECONDS 1.0

typedef struct {
    double start, end;
    const char *speaker;
    size_t speaker_len;
} turn;

typedef struct {
    ts_transcript *file; /* owns the speaker strings */
    turn *v;             /* sorted by start */
    size_t n;
    double longest;      /* the longest turn's duration */
} turns_state;

static int cmp_turn(const void *pa, const void *pb)
{
    const turn *a = pa, *b = pb;
    return (a->start > b->start) - (a->start < b->start);
}

static void turns_free(void *p)
{
    turns_state *s = p;
    if (!s) return;
    ts_transcript_free(s->file);
    free(s->v);
    free(s);
}

static ts_status turns_new(ts_context *ctx, void **out)
{
    turns_state *s = calloc(1, sizeof *s);
    if (!s) return TS_ERR_NOMEM;
    *out = s;
    const char *path = ts_context_option(ctx, "speaker-turns");
    if (!path || !*path) return TS_OK;
    ts_status st = ts_read_file(ctx, path, "rttm", &s->file);
    if (st) return st;
    size_t n = ts_transcript_segment_count(s->file);
    s->v = calloc(n ? n : 1, sizeof *s->v);
    if (!s->v) return TS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        ts_segment_view v;
        ts_transcript_segment(s->file, i, &v);
        if (v.end <= v.start || !v.speaker_len) continue;
        s->v[s->n++] = (turn){v.start, v.end, v.speaker, v.speaker_len};
        if (v.end - v.start > s->longest) s->longest = v.end - v.start;
    }
    qsort(s->v, s->n, sizeof *s->v, cmp_turn);
    return TS_OK;
}

/* The turn overlapping [a, b] most (for a word with no duration: a turn
 * containing it), or NULL. */
static const turn *turn_of(const turns_state *s, double a, double b)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) { /* the first turn that may reach a */
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].start + s->longest < a) lo = mid + 1;
        else hi = mid;
    }
    const turn *best = NULL;
    double most = -1;
    for (size_t k = lo; k < s->n && s->v[k].start <= b; k++) {
        const turn *u = &s->v[k];
        double x = u->start > a ? u->start : a, y = u->end < b ? u->end : b;
        if (y < x || (y == x && !(a == b && u->start <= a && a < u->end))) continue;
        if (y - x > most) {
            most = y - x;
            best = u;
        }
    }
    return best;
}

static int same_label(const turn *u, const char *sp, size_t len)
{
    return u->speaker_len == len && memcmp(u->speaker, sp, len) == 0;
}

/* The word-by-word decision for segment i (see the top): 1 when the
 * segment's words settle it (an edit may have been proposed), 0 when they
 * have no times in any turn, -1 when memory ran out. */
static int by_words(const turns_state *s, const ts_transcript *t, size_t i, ts_edit_list *out)
{
    const ts_segment *sg = &t->segs[i];
    const turn **who = malloc(sg->n_words * sizeof *who);
    if (!who) return -1;
    const turn *last = NULL;
    for (uint32_t k = 0; k < sg->n_words; k++) {
        const ts_word *w = &sg->words[k];
        const turn *u = w->start >= 0 && w->end >= w->start ? turn_of(s, w->start, w->end) : NULL;
        who[k] = u ? u : last;
        if (u) last = u;
    }
    uint32_t first = 0;
    while (first < sg->n_words && !who[first]) first++;
    if (first == sg->n_words) {
        free(who);
        return 0;
    }
    for (uint32_t k = 0; k < first; k++) who[k] = who[first];
    /* the change of speaker nearest the middle */
    uint32_t cut = 0;
    for (uint32_t k = 1; k < sg->n_words; k++)
        if (!same_label(who[k], who[k - 1]->speaker, who[k - 1]->speaker_len)) {
            uint32_t mid = sg->n_words / 2;
            if (!cut || (k > mid ? k - mid : mid - k) < (cut > mid ? cut - mid : mid - cut)) cut = k;
        }
    ts_edit *e = NULL;
    if (cut) {
        const ts_word *w = &sg->words[cut];
        double a = ts_tc_seconds(&sg->start), b = ts_tc_seconds(&sg->end);
        double next = i + 1 < t->n ? ts_tc_seconds(&t->segs[i + 1].start) : b;
        ts_timecode tc = ts_tc_from_seconds(w->start, &sg->start);
        int timed = w->start > a && w->start < b && w->start <= next;
        e = ts_edit_split(out, &turns_rules[R_WORD_SPLIT], (uint32_t)i, w->at, timed ? &tc : NULL);
        if (e) {
            e->confidence = 0.8f;
            e->message = ts_edit_message(out, "'%.*s' and '%.*s' share this segment: split before '%.*s' (%.3fs)",
                                         (int)who[cut - 1]->speaker_len, who[cut - 1]->speaker,
                                         (int)who[cut]->speaker_len, who[cut]->speaker, (int)w->len,
                                         sg->text + w->at, w->start);
        }
    } else if (!same_label(who[0], sg->speaker, sg->speaker_len)) {
        e = ts_edit_speaker(out, &turns_rules[R_RELABEL], (uint32_t)i, who[0]->speaker, who[0]->speaker_len);
        if (e) {
            e->confidence = 0.9f;
            e->message = ts_edit_message(out, "speaker '%.*s' -> '%.*s' (the turns of all %u words)",
                                         (int)sg->speaker_len, sg->speaker, (int)who[0]->speaker_len,
                                         who[0]->speaker, (unsigned)sg->n_words);
        }
    }
    free(who);
    return out->failed ? -1 : 1;
}

typedef struct {
    const char *speaker;
    size_t len;
    double overlap, first; /* total overlap, earliest overlapping time */
} share;

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n'; }

static ts_status run_turns(ts_context *ctx, void *state, const ts_transcript *t, const uint8_t *only,
                           ts_edit_list *out)
{
    (void)ctx;
    (void)only;
    turns_state *s = state;
    if (!s || !s->n) return TS_OK;
    share sh[8];
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *sg = &t->segs[i];
        if (sg->n_words) {
            int r = by_words(s, t, i, out);
            if (r < 0) return TS_ERR_NOMEM;
            if (r) continue;
        }
        double a = ts_tc_seconds(&sg->start), b = ts_tc_seconds(&sg->end);
        if (a < 0 || b <= a) continue;
        size_t nsh = 0;
        for (size_t k = 0; k < s->n; k++) {
            const turn *u = &s->v[k];
            double lo = u->start > a ? u->start : a, hi = u->end < b ? u->end : b;
            if (hi <= lo) continue;
            size_t j = 0;
            while (j < nsh && !(sh[j].len == u->speaker_len && memcmp(sh[j].speaker, u->speaker, u->speaker_len) == 0)) j++;
            if (j == nsh) {
                if (nsh == 8) continue;
                sh[nsh++] = (share){u->speaker, u->speaker_len, 0, lo};
            }
            sh[j].overlap += hi - lo;
            if (lo < sh[j].first) sh[j].first = lo;
        }
        if (!nsh) continue;
        size_t best = 0, second = nsh;
        for (size_t j = 1; j < nsh; j++)
            if (sh[j].overlap > sh[best].overlap) best = j;
        for (size_t j = 0; j < nsh; j++)
            if (j != best && (second == nsh || sh[j].overlap > sh[second].overlap)) second = j;
        double dur = b - a;
        /* two speakers in sequence: split where the later one starts */
        if (second < nsh && sh[second].overlap >= MIN_SECONDS && sh[second].overlap >= MIN_SHARE * dur) {
            double at = sh[best].first < sh[second].first ? sh[second].first : sh[best].first;
            /* never start the new part after the next segment's start:
             * segments stay in order */
            double next = i + 1 < t->n ? ts_tc_seconds(&t->segs[i + 1].start) : b;
            if (at > a && at < b && (i + 1 >= t->n || at <= next)) {
                uint32_t pos = (uint32_t)((at - a) / dur * sg->text_len);
                /* nearest word boundary */
                uint32_t l = pos, r = pos;
                while (l > 0 && !is_ws(sg->text[l - 1])) l--;
                while (r < sg->text_len && !is_ws(sg->text[r])) r++;
                uint32_t cut = pos - l <= r - pos ? l : r;
                while (cut < sg->text_len && is_ws(sg->text[cut])) cut++;
                if (cut > 0 && cut < sg->text_len) {
                    ts_timecode tc = ts_tc_from_seconds(at, &sg->start);
                    ts_edit *e = ts_edit_split(out, &turns_rules[R_SPLIT], (uint32_t)i, cut, &tc);
                    if (!e) return TS_ERR_NOMEM;
                    e->confidence = 0.5f;
                    e->message = ts_edit_message(out, "'%.*s' and '%.*s' share this segment: split at %.3fs",
                                                 (int)sh[best].len, sh[best].speaker,
                                                 (int)sh[second].len, sh[second].speaker, at);
                    continue;
                }
            }
        }
        if (sg->speaker_len == sh[best].len && memcmp(sg->speaker, sh[best].speaker, sh[best].len) == 0)
            continue;
        /* two speakers with the same share: the turns do not say who it is */
        if (second < nsh && sh[best].overlap - sh[second].overlap < 0.001) continue;
        ts_edit *e = ts_edit_speaker(out, &turns_rules[R_RELABEL], (uint32_t)i, sh[best].speaker, sh[best].len);
        if (!e) return TS_ERR_NOMEM;
        e->confidence = (float)(sh[best].overlap / dur > 1 ? 1 : sh[best].overlap / dur);
        e->message = ts_edit_message(out, "speaker '%.*s' -> '%.*s' (%.0f%% of the segment's time)",
                                     (int)sg->speaker_len, sg->speaker, (int)sh[best].len,
                                     sh[best].speaker, 100.0 * e->confidence);
    }
    return TS_OK;
}

const ts_pass ts_pass_turns = {
    .info = {"turns", "speakers from diarization turns (--speaker-turns FILE.rttm)", true, turns_rules, R_COUNT},
    .segment_local = false,
    .state_new = turns_new,
    .state_free = turns_free,
    .run = run_turns,
};
