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
            if (add_set(s, key, value)) return 0;
        }
    } else if (strcmp(section, "speakers") == 0) {
        char key[256];
        snprintf(key, sizeof key, "speaker.%s", name);
        if (add_set(s, key, value)) return 0;
    } else if (strcmp(section, "options") == 0) {
        if (add_set(s, name, value)) return 0;
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

int cli_config_load(cli_options *opt)
{
    if (opt->no_config) return 0;
    char *found = NULL;
    const char *path = opt->config;
    if (!path) {
        if (!(found = find_config())) return 0;
        path = found;
    }
    cfg_state s = {.opt = opt, .path = path};
    int rc = EXIT_TROUBLE;
    FILE *f = fopen(path, "r");
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
    rc = 0;
    goto out;
nomem:
    fprintf(stderr, "tscrub: error: out of memory\n");
out:
    if (f) fclose(f);
    free(s.dir);
    free(s.sets);
    free(s.packs);
    free(found);
    return rc;
}
