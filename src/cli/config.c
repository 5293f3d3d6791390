/*
 * config.c - the project file tscrub.ini (parsed with libinih).
 *
 * The file is the one named by --config, or else the first tscrub.ini in
 * the current directory or one above it (--no-config skips the search).
 * It sets defaults that the command line overrides: passes on and off,
 * the frame rate, term lists, the rule packs to load, per-rule levels and
 * disabled rules, the speaker map and any pass option.  Paths in it are
 * relative to the file's own directory.  Every unknown section or key and
 * every bad value is reported as `file:line:1: error: ...` (all of them,
 * not just the first) and the command exits 2.
 *
 * Settings become what the options would have set: strings owned by the
 * options (opt->owned) and "key=value" pass options placed before the
 * command line's own --set, so the command line wins.
 *
 * Rule ids, in [rules] and in `--set rule.<id>=...`, are checked once the
 * whole configuration is known: an id that no pass lists and no rule pack
 * of this run defines is an error (a typo would otherwise silently leave
 * the rule on).  A rule of a bundled pack that is not loaded is an error
 * too, with the pack to load named.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    cli_options *opt;
    FILE *f;
    const char *path;
    char *dir;                 /* the file's directory, with a trailing '/' */
    unsigned line;             /* line the reader gave out last */
    int errors;
    const char **sets;         /* pass options from the file */
    size_t n_sets;
    char *packs;               /* rules-packs value being built */
    struct rule_ref {
        const char *id;        /* owned by the options */
        unsigned line;
    } *rule_refs;              /* rule ids the file sets, to check at the end */
    size_t n_rule_refs;
} cfg_state;

static void cfg_error(cfg_state *s, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "%s:%u:1: error: ", s->path, s->line);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    s->errors++;
}

static char *reader(char *str, int num, void *stream)
{
    cfg_state *s = stream;
    char *r = fgets(str, num, s->f);
    if (!r) return r;
    s->line++;
    /* inih names only the first bad line; this names them all. */
    const char *p = r + strspn(r, " \t");
    if (*p && *p != '\n' && *p != '\r' && *p != ';' && *p != '#' && *p != '[' &&
        !strpbrk(p, "=:"))
        cfg_error(s, "not a 'key = value' line or a [section]%s%s", "", "");
    return r;
}

static int own(cfg_state *s, char *str)
{
    cli_options *o = s->opt;
    const char **p = realloc(o->owned, (o->n_owned + 1) * sizeof *p);
    if (!p) {
        free(str);
        return -1;
    }
    o->owned = p;
    p[o->n_owned++] = str;
    return 0;
}

static char *dup_owned(cfg_state *s, const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *str = malloc(n);
    if (!str) return NULL;
    snprintf(str, n, "%s%s", a, b);
    return own(s, str) ? NULL : str;
}

/* A path from the file, made relative to the file's directory. */
static const char *resolve(cfg_state *s, const char *path)
{
    if (path[0] == '/') return dup_owned(s, "", path);
    return dup_owned(s, s->dir, path);
}

static int is_bundled(const char *name)
{
    for (size_t i = 0; i < ts_rules_bundled_count(); i++)
        if (strcmp(ts_rules_bundled_name(i), name) == 0) return 1;
    return 0;
}

static int add_rule_ref(cfg_state *s, const char *id)
{
    const char *own_id = dup_owned(s, "", id);
    struct rule_ref *v = own_id ? realloc(s->rule_refs, (s->n_rule_refs + 1) * sizeof *v) : NULL;
    if (!v) return -1;
    s->rule_refs = v;
    v[s->n_rule_refs++] = (struct rule_ref){own_id, s->line};
    return 0;
}

static int add_set(cfg_state *s, const char *key, const char *value)
{
    char *kv = malloc(strlen(key) + strlen(value) + 2);
    if (!kv) return -1;
    sprintf(kv, "%s=%s", key, value);
    if (own(s, kv)) return -1;
    const char **p = realloc(s->sets, (s->n_sets + 1) * sizeof *p);
    if (!p) return -1;
    s->sets = p;
    p[s->n_sets++] = kv;
    return 0;
}

/* Calls fn on each comma-separated, trimmed item of value. */
static int each_item(cfg_state *s, const char *value, int (*fn)(cfg_state *, const char *))
{
    const char *p = value;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t') p++;
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m && (p[m - 1] == ' ' || p[m - 1] == '\t')) m--;
        if (m) {
            char item[PATH_MAX];
            if (m >= sizeof item) return -1;
            memcpy(item, p, m);
            item[m] = '\0';
            if (fn(s, item)) return -1;
        }
        p += n;
    }
    return 0;
}

static int check_pass(cfg_state *s, const char *name)
{
    for (size_t i = 0; i < ts_pass_count(); i++)
        if (strcmp(ts_pass_at(i)->name, name) == 0) return 0;
    cfg_error(s, "unknown pass '%s'%s (see 'tscrub passes')", name, "");
    return 0;
}

static int add_dict(cfg_state *s, const char *path)
{
    const char *p = resolve(s, path);
    cli_options *o = s->opt;
    const char **v = p ? realloc(o->dicts, (o->n_dicts + 1) * sizeof *v) : NULL;
    if (!v) return -1;
    o->dicts = v;
    v[o->n_dicts++] = p;
    return 0;
}

static int add_pack(cfg_state *s, const char *name)
{
    const char *p = is_bundled(name) ? name : resolve(s, name);
    if (!p) return -1;
    size_t old = s->packs ? strlen(s->packs) : 0;
    char *np = realloc(s->packs, old + strlen(p) + 2);
    if (!np) return -1;
    if (old) np[old++] = ',';
    strcpy(np + old, p);
    s->packs = np;
    return 0;
}

static const char *passes_value(cfg_state *s, const char *value)
{
    if (each_item(s, value, check_pass)) return NULL;
    return dup_owned(s, "", value);
}

static int handler(void *ud, const char *section, const char *name, const char *value)
{
    cfg_state *s = ud;
    cli_options *o = s->opt;
    if (strcmp(section, "tscrub") == 0) {
        if (strcmp(name, "only") == 0) {
            const char *v = passes_value(s, value);
            if (!v) return 0;
            if (!o->only) o->only = v;
        } else if (strcmp(name, "skip") == 0) {
            const char *v = passes_value(s, value);
            if (!v) return 0;
            if (!o->skip) o->skip = v;
        } else if (strcmp(name, "fps") == 0) {
            char *end;
            unsigned long v = strtoul(value, &end, 10);
            if (*end || end == value || v < 1 || v > 120)
                cfg_error(s, "fps needs a frame rate from 1 to 120, not '%s'%s", value, "");
            else if (!o->fps_set)
                o->fps = (unsigned)v;
        } else if (strcmp(name, "dictionaries") == 0) {
            if (each_item(s, value, add_dict)) return 0;
        } else if (strcmp(name, "rule-packs") == 0) {
            if (each_item(s, value, add_pack)) return 0;
            if (!s->packs && !(s->packs = strdup(""))) return 0;
        } else {
            cfg_error(s, "unknown key '%s' in [%s] (only, skip, fps, dictionaries, rule-packs)",
                      name, section);
        }
    } else if (strcmp(section, "rules") == 0) {
        if (!strchr(name, '/'))
            cfg_error(s, "'%s' in [%s] is not a rule id (pass/rule or pack/rule)", name, section);
        else if (strcmp(value, "off") && strcmp(value, "info") && strcmp(value, "warning") &&
                 strcmp(value, "error"))
            cfg_error(s, "a rule takes off, info, warning or error, not '%s'%s", value, "");
        else {
            char key[256];
            snprintf(key, sizeof key, "rule.%s", name);
            if (add_set(s, key, value) || add_rule_ref(s, name)) return 0;
        }
    } else if (strcmp(section, "speakers") == 0) {
        char key[256];
        snprintf(key, sizeof key, "speaker.%s", name);
        if (add_set(s, key, value)) return 0;
    } else if (strcmp(section, "options") == 0) {
        if (add_set(s, name, value)) return 0;
        if (strncmp(name, "rule.", 5) == 0 && add_rule_ref(s, name + 5)) return 0;
    } else {
        cfg_error(s, "unknown section [%s]%s (tscrub, rules, speakers, options)", section, "");
    }
    return 1;
}

/* The first tscrub.ini in the current directory or above; malloc'd. */
static char *find_config(void)
{
    char dir[PATH_MAX];
    if (!getcwd(dir, sizeof dir)) return NULL;
    for (;;) {
        size_t n = strlen(dir);
        char *path = malloc(n + sizeof "/tscrub.ini");
        if (!path) return NULL;
        snprintf(path, n + sizeof "/tscrub.ini", "%s/tscrub.ini", strcmp(dir, "/") ? dir : "");
        if (access(path, F_OK) == 0) return path;
        free(path);
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) {
            if (strcmp(dir, "/") == 0) return NULL;
            strcpy(dir, "/");
            continue;
        }
        *slash = '\0';
    }
}

/* ---- rule ids ---------------------------------------------------------- */

typedef struct {
    char **v;                  /* malloc'd ids */
    size_t n, cap;
    int failed;                /* out of memory */
} id_list;

static void collect_id(void *ud, const ts_rule_info *r, const char *fix)
{
    (void)fix;
    id_list *l = ud;
    if (l->failed) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->failed = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(r->id))) l->failed = 1;
    else l->n++;
}

static void id_list_free(id_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
}

static int id_listed(const id_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], id) == 0) return 1;
    return 0;
}

static void quiet_sink(void *ud, const ts_diagnostic *d)
{
    (void)ud;
    (void)d;
}

/* Adds the rule ids of one pack; 1 when it does not load (the run reports
 * why when it loads it), -1 when memory runs out. */
static int pack_ids(ts_context *ctx, const char *pack, id_list *l)
{
    ts_status st = ts_rules_list(ctx, pack, collect_id, l);
    if (st == TS_ERR_NOMEM || l->failed) return -1;
    return st ? 1 : 0;
}

/* The ids of every rule pack this run loads: the last rules-packs value
 * (the command line's, else the file's, else "core") and every --rules. */
static int run_pack_ids(ts_context *ctx, const cli_options *opt, id_list *l)
{
    const char *packs = "core";
    for (size_t i = 0; i < opt->n_sets; i++)
        if (strncmp(opt->sets[i], "rules-packs=", 12) == 0) packs = opt->sets[i] + 12;
    int bad = 0;
    for (const char *p = packs; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t') p++;
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m && (p[m - 1] == ' ' || p[m - 1] == '\t')) m--;
        if (m) {
            char *name = strndup(p, m);
            int r = name ? pack_ids(ctx, name, l) : -1;
            free(name);
            if (r < 0) return -1;
            bad |= r;
        }
        p += n;
    }
    for (size_t i = 0; i < opt->n_rules; i++) {
        int r = pack_ids(ctx, opt->rules[i], l);
        if (r < 0) return -1;
        bad |= r;
    }
    return bad;
}

static int pass_rule(const char *id)
{
    for (size_t i = 0; i < ts_pass_count(); i++) {
        const ts_pass_info *p = ts_pass_at(i);
        for (size_t k = 0; k < p->n_rules; k++)
            if (strcmp(p->rules[k].id, id) == 0) return 1;
    }
    return 0;
}

/* The bundled pack that has rule `id` (named "pack/rule"), or NULL. */
static const char *bundled_owner(ts_context *ctx, const char *id)
{
    const char *slash = strchr(id, '/');
    if (!slash) return NULL;
    for (size_t i = 0; i < ts_rules_bundled_count(); i++) {
        const char *name = ts_rules_bundled_name(i);
        if (strlen(name) != (size_t)(slash - id) || strncmp(name, id, (size_t)(slash - id)))
            continue;
        id_list l = {0};
        int has = pack_ids(ctx, name, &l) == 0 && id_listed(&l, id);
        id_list_free(&l);
        return has ? name : NULL;
    }
    return NULL;
}

/* Reports an unknown rule id; `where` is "file:line:1" or "tscrub", `via`
 * what set it when that is not the file's line. */
static void unknown_rule(ts_context *ctx, const char *where, const char *via, const char *id)
{
    const char *pack = bundled_owner(ctx, id);
    if (pack)
        fprintf(stderr, "%s: error: rule '%s'%s belongs to the pack '%s', which this run does not "
                "load (add it to rule-packs in [tscrub], or --set rules-packs=...)\n",
                where, id, via, pack);
    else
        fprintf(stderr, "%s: error: unknown rule '%s'%s: no pass and no rule pack of this run has "
                "it (see 'tscrub passes' and 'tscrub rules list')\n", where, id, via);
}

/* Checks the rule ids the file set (refs) and those of the command line's
 * --set rule.<id>=... (opt->sets from index `first_cli` on).  Returns 0,
 * or EXIT_TROUBLE after reporting every unknown id. */
static int check_rule_ids(cli_options *opt, const char *path, const struct rule_ref *refs,
                          size_t n_refs, size_t first_cli)
{
    size_t n_cli = 0;
    for (size_t i = first_cli; i < opt->n_sets; i++) n_cli += strncmp(opt->sets[i], "rule.", 5) == 0;
    if (!n_refs && !n_cli) return 0;
    int rc = EXIT_TROUBLE;
    id_list l = {0};
    ts_context *ctx = ts_context_new();
    if (!ctx) goto nomem;
    ts_context_set_sink(ctx, quiet_sink, NULL);
    /* Only the ids are needed: the patterns are not JIT-compiled. */
    if (ts_context_set_option(ctx, "rules-jit", "0")) goto nomem;
    int r = run_pack_ids(ctx, opt, &l);
    if (r < 0) goto nomem;
    if (r > 0) {
        rc = 0; /* a pack that does not load: the run reports it */
        goto out;
    }
    int errors = 0;
    for (size_t i = 0; i < n_refs; i++) {
        if (pass_rule(refs[i].id) || id_listed(&l, refs[i].id)) continue;
        char where[PATH_MAX + 32];
        snprintf(where, sizeof where, "%s:%u:1", path, refs[i].line);
        unknown_rule(ctx, where, "", refs[i].id);
        errors++;
    }
    for (size_t i = first_cli; i < opt->n_sets; i++) {
        const char *kv = opt->sets[i];
        if (strncmp(kv, "rule.", 5)) continue;
        char *id = strndup(kv + 5, strcspn(kv + 5, "="));
        if (!id) goto nomem;
        if (!pass_rule(id) && !id_listed(&l, id)) {
            unknown_rule(ctx, "tscrub", " (--set rule.<id>=...)", id);
            errors++;
        }
        free(id);
    }
    rc = errors ? EXIT_TROUBLE : 0;
    goto out;
nomem:
    fprintf(stderr, "tscrub: error: out of memory\n");
out:
    id_list_free(&l);
    ts_context_free(ctx);
    return rc;
}

/* ---- loading the file --------------------------------------------------- */

int cli_config_load(cli_options *opt)
{
    char *found = NULL;
    const char *path = opt->config;
    cfg_state s = {.opt = opt, .path = path};
    int rc = EXIT_TROUBLE;
    FILE *f = NULL;
    if (opt->no_config) goto check;
    if (!path) {
        if (!(found = find_config())) goto check;
        path = s.path = found;
    }
    f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: error: cannot read the configuration: %s\n", path, strerror(errno));
        goto out;
    }
    const char *slash = strrchr(path, '/');
    s.dir = strndup(path, slash ? (size_t)(slash - path) + 1 : 0);
    if (!s.dir) goto nomem;
    s.f = f;
    int r = ini_parse_stream(reader, &s, handler, &s);
    if (r > 0 && s.errors == 0) {
        /* A syntax error (no '=' or an unclosed section): inih's line. */
        fprintf(stderr, "%s:%d:1: error: not a 'key = value' line or a [section]\n", path, r);
        s.errors++;
    }
    if (r < 0) goto nomem;
    if (s.errors) goto out;
    if (s.packs && add_set(&s, "rules-packs", s.packs)) goto nomem;
    /* The file's options go first so the command line's --set wins. */
    if (s.n_sets) {
        const char **v = malloc((s.n_sets + opt->n_sets) * sizeof *v);
        if (!v) goto nomem;
        memcpy(v, s.sets, s.n_sets * sizeof *v);
        if (opt->n_sets) memcpy(v + s.n_sets, opt->sets, opt->n_sets * sizeof *v);
        free(opt->sets);
        opt->sets = v;
        opt->n_sets += s.n_sets;
    }
check:
    rc = check_rule_ids(opt, path, s.rule_refs, s.n_rule_refs, s.n_sets);
    goto out;
nomem:
    fprintf(stderr, "tscrub: error: out of memory\n");
out:
    if (f) fclose(f);
    free(s.dir);
    free(s.sets);
    free(s.packs);
    free(s.rule_refs);
    free(found);
    return rc;
}
