/*
 * metaphone.c - Double Metaphone, from the published description.
 *
 * The algorithm walks the word left to right; at each position a rule
 * looks at the letters around it and appends a sound to the primary key
 * and, where a spelling has a second common pronunciation (Germanic,
 * Slavic, Romance or Greek origins), a different sound to the alternate
 * key.  The rules below follow the description's order letter by letter;
 * the helpers `at` and `vowel` keep each rule one line where possible.
 */
#include "metaphone.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

typedef struct {
    const char *w;
    int n;
    char *p, *a;
    size_t pn, an, cap;
} dm_state;

static char ch(const dm_state *s, int i) { return i >= 0 && i < s->n ? s->w[i] : '\0'; }

static bool vowel(const dm_state *s, int i)
{
    char c = ch(s, i);
    return c && strchr("AEIOUY", c) != NULL;
}

/* Does one of the strings (a NULL-terminated list) occur at position i? */
static bool at(const dm_state *s, int i, ...)
{
    va_list ap;
    va_start(ap, i);
    bool hit = false;
    const char *t;
    while (!hit && (t = va_arg(ap, const char *)) != NULL) {
        int l = (int)strlen(t);
        if (i >= 0 && i + l <= s->n && memcmp(s->w + i, t, (size_t)l) == 0) hit = true;
    }
    va_end(ap);
    return hit;
}
#define AT(i, ...) at(s, (i), __VA_ARGS__, (const char *)NULL)

static void add2(dm_state *s, const char *p, const char *a)
{
    for (; *p && s->pn + 1 < s->cap; p++) s->p[s->pn++] = *p;
    for (; *a && s->an + 1 < s->cap; a++) s->a[s->an++] = *a;
}
static void add(dm_state *s, const char *p) { add2(s, p, p); }

static bool slavo_germanic(const dm_state *s)
{
    for (int i = 0; i < s->n; i++)
        if (s->w[i] == 'W' || s->w[i] == 'K' || AT(i, "CZ", "WITZ")) return true;
    return false;
}

static int rule_c(dm_state *s, int i)
{
    if (i > 1 && !vowel(s, i - 2) && AT(i - 1, "ACH") && ch(s, i + 2) != 'I' &&
        (ch(s, i + 2) != 'E' || AT(i - 2, "BACHER", "MACHER"))) {
        add(s, "K");
        return i + 2;
    }
    if (i == 0 && AT(i, "CAESAR")) { add(s, "S"); return i + 2; }
    if (AT(i, "CHIA")) { add(s, "K"); return i + 2; }
    if (AT(i, "CH")) {
        if (i > 0 && AT(i, "CHAE")) { add2(s, "K", "X"); return i + 2; }
        if (i == 0 && (AT(i + 1, "HARAC", "HARIS") || AT(i + 1, "HOR", "HYM", "HIA", "HEM")) &&
            !AT(0, "CHORE")) {
            add(s, "K");
            return i + 2;
        }
        if (AT(0, "VAN ", "VON ", "SCH") || AT(i - 2, "ORCHES", "ARCHIT", "ORCHID") ||
            AT(i + 2, "T", "S") ||
            ((AT(i - 1, "A", "O", "U", "E") || i == 0) &&
             AT(i + 2, "L", "R", "N", "M", "B", "H", "F", "V", "W", " "))) {
            add(s, "K");
        } else if (i > 0) {
            if (AT(0, "MC")) add(s, "K");
            else add2(s, "X", "K");
        } else {
            add(s, "X");
        }
        return i + 2;
    }
    if (AT(i, "CZ") && !AT(i - 2, "WICZ")) { add2(s, "S", "X"); return i + 2; }
    if (AT(i + 1, "CIA")) { add(s, "X"); return i + 3; }
    if (AT(i, "CC") && !(i == 1 && ch(s, 0) == 'M')) {
        if (AT(i + 2, "I", "E", "H") && !AT(i + 2, "HU")) {
            if ((i == 1 && ch(s, 0) == 'A') || AT(i - 1, "UCCEE", "UCCES")) add(s, "KS");
            else add(s, "X");
            return i + 3;
        }
        add(s, "K");
        return i + 2;
    }
    if (AT(i, "CK", "CG", "CQ")) { add(s, "K"); return i + 2; }
    if (AT(i, "CI", "CE", "CY")) {
        if (AT(i, "CIO", "CIE", "CIA")) add2(s, "S", "X");
        else add(s, "S");
        return i + 2;
    }
    add(s, "K");
    if (AT(i + 1, " C", " Q", " G")) return i + 3;
    if (AT(i + 1, "C", "K", "Q") && !AT(i + 1, "CE", "CI")) return i + 2;
    return i + 1;
}

static int rule_g(dm_state *s, int i, bool slavo)
{
    char next = ch(s, i + 1);
    if (next == 'H') {
        if (i > 0 && !vowel(s, i - 1)) { add(s, "K"); return i + 2; }
        if (i == 0) {
            add(s, ch(s, 2) == 'I' ? "J" : "K");
            return i + 2;
        }
        /* "hugh", "bough", "broughton": silent */
        if ((i > 1 && AT(i - 2, "B", "H", "D")) || (i > 2 && AT(i - 3, "B", "H", "D")) ||
            (i > 3 && AT(i - 4, "B", "H")))
            return i + 2;
        /* "laugh", "cough", "tough": F */
        if (i > 2 && ch(s, i - 1) == 'U' && AT(i - 3, "C", "G", "L", "R", "T")) add(s, "F");
        else if (i > 0 && ch(s, i - 1) != 'I') add(s, "K");
        return i + 2;
    }
    if (next == 'N') {
        if (i == 1 && vowel(s, 0) && !slavo) add2(s, "KN", "N");
        else if (!AT(i + 2, "EY") && next != 'Y' && !slavo) add2(s, "N", "KN");
        else add(s, "KN");
        return i + 2;
    }
    if (AT(i + 1, "LI") && !slavo) { add2(s, "KL", "L"); return i + 2; }
    if (i == 0 && (next == 'Y' || AT(i + 1, "ES", "EP", "EB", "EL", "EY", "IB", "IL", "IN", "IE",
                                     "EI", "ER"))) {
        add2(s, "K", "J");
        return i + 2;
    }
    if ((AT(i + 1, "ER") || next == 'Y') && !AT(0, "DANGER", "RANGER", "MANGER") &&
        !AT(i - 1, "E", "I") && !AT(i - 1, "RGY", "OGY")) {
        add2(s, "K", "J");
        return i + 2;
    }
    if (AT(i + 1, "E", "I", "Y") || AT(i - 1, "AGGI", "OGGI")) {
        if (AT(0, "VAN ", "VON ", "SCH") || AT(i + 1, "ET")) add(s, "K");
        else if (AT(i + 1, "IER")) add(s, "J");
        else add2(s, "J", "K");
        return i + 2;
    }
    add(s, "K");
    return next == 'G' ? i + 2 : i + 1;
}

static int rule_s(dm_state *s, int i, bool slavo)
{
    if (AT(i - 1, "ISL", "YSL")) return i + 1; /* island, carlisle */
    if (i == 0 && AT(i, "SUGAR")) { add2(s, "X", "S"); return i + 1; }
    if (AT(i, "SH")) {
        add(s, AT(i + 1, "HEIM", "HOEK", "HOLM", "HOLZ") ? "S" : "X");
        return i + 2;
    }
    if (AT(i, "SIO", "SIA")) {
        if (slavo) add(s, "S");
        else add2(s, "S", "X");
        return i + 3;
    }
    if ((i == 0 && AT(i + 1, "M", "N", "L", "W")) || AT(i + 1, "Z")) {
        add2(s, "S", "X");
        return AT(i + 1, "Z") ? i + 2 : i + 1;
    }
    if (AT(i, "SC")) {
        if (ch(s, i + 2) == 'H') {
            if (AT(i + 3, "OO", "ER", "EN", "UY", "ED", "EM")) {
                if (AT(i + 3, "ER", "EN")) add2(s, "X", "SK");
                else add(s, "SK");
            } else if (i == 0 && !vowel(s, 3) && ch(s, 3) != 'W') {
                add2(s, "X", "S");
            } else {
                add(s, "X");
            }
            return i + 3;
        }
        add(s, AT(i + 2, "I", "E", "Y") ? "S" : "SK");
        return i + 3;
    }
    if (i == s->n - 1 && AT(i - 2, "AI", "OI")) add2(s, "", "S"); /* French: "bois" */
    else add(s, "S");
    return AT(i + 1, "S", "Z") ? i + 2 : i + 1;
}

static int rule_t(dm_state *s, int i)
{
    if (AT(i, "TION", "TIA", "TCH")) { add(s, "X"); return i + 3; }
    if (AT(i, "TH", "TTH")) {
        if (AT(i + 2, "OM", "AM") || AT(0, "VAN ", "VON ", "SCH")) add(s, "T");
        else add2(s, "0", "T");
        return i + 2;
    }
    add(s, "T");
    return AT(i + 1, "T", "D") ? i + 2 : i + 1;
}

static int rule_w(dm_state *s, int i)
{
    if (AT(i, "WR")) { add(s, "R"); return i + 2; }
    if (i == 0 && (vowel(s, 1) || AT(i, "WH"))) {
        if (vowel(s, 1)) add2(s, "A", "F");
        else add(s, "A");
    }
    if ((i == s->n - 1 && vowel(s, i - 1)) || AT(i - 1, "EWSKI", "EWSKY", "OWSKI", "OWSKY") ||
        AT(0, "SCH")) {
        add2(s, "", "F");
        return i + 1;
    }
    if (AT(i, "WICZ", "WITZ")) { add2(s, "TS", "FX"); return i + 4; }
    return i + 1;
}

size_t ts_double_metaphone(const char *word, size_t len, char *primary, char *alternate,
                           size_t cap)
{
    dm_state st = {word, (int)(len > 4096 ? 4096 : len), primary, alternate, 0, 0, cap};
    dm_state *s = &st;
    bool slavo = slavo_germanic(s);
    int i = 0;
    if (AT(0, "GN", "KN", "PN", "WR", "PS")) i = 1;
    if (ch(s, 0) == 'X') { add(s, "S"); i = 1; }
    while (i < s->n) {
        char c = s->w[i], next = ch(s, i + 1);
        switch (c) {
        case 'A': case 'E': case 'I': case 'O': case 'U': case 'Y':
            if (i == 0) add(s, "A");
            i++;
            break;
        case 'B': add(s, "P"); i += next == 'B' ? 2 : 1; break;
        case 'C': i = rule_c(s, i); break;
        case 'D':
            if (AT(i, "DG")) {
                if (AT(i + 2, "I", "E", "Y")) { add(s, "J"); i += 3; }
                else { add(s, "TK"); i += 2; }
            } else {
                add(s, "T");
                i += AT(i, "DT", "DD") ? 2 : 1;
            }
            break;
        case 'F': add(s, "F"); i += next == 'F' ? 2 : 1; break;
        case 'G': i = rule_g(s, i, slavo); break;
        case 'H':
            if ((i == 0 || vowel(s, i - 1)) && vowel(s, i + 1)) { add(s, "H"); i += 2; }
            else i++;
            break;
        case 'J':
            if (AT(i, "JOSE") || AT(0, "SAN ")) add2(s, "H", "J");
            else if (i == 0) add2(s, "J", "A");
            else add(s, "J");
            i += next == 'J' ? 2 : 1;
            break;
        case 'K': add(s, "K"); i += next == 'K' ? 2 : 1; break;
        case 'L':
            if (next == 'L') {
                /* Spanish "cabrillo", "gallegos": silent in the alternate */
                if ((i == s->n - 3 && AT(i - 1, "ILLO", "ILLA", "ALLE")) ||
                    ((AT(s->n - 2, "AS", "OS") || AT(s->n - 1, "A", "O")) && AT(i - 1, "ALLE")))
                    add2(s, "L", "");
                else add(s, "L");
                i += 2;
            } else {
                add(s, "L");
                i++;
            }
            break;
        case 'M':
            add(s, "M");
            i += ((AT(i - 1, "UMB") && (i + 1 == s->n - 1 || AT(i + 2, "ER"))) || next == 'M') ? 2 : 1;
            break;
        case 'N': add(s, "N"); i += next == 'N' ? 2 : 1; break;
        case 'P':
            if (next == 'H') { add(s, "F"); i += 2; }
            else { add(s, "P"); i += AT(i + 1, "P", "B") ? 2 : 1; }
            break;
        case 'Q': add(s, "K"); i += next == 'Q' ? 2 : 1; break;
        case 'R':
            /* French final "-ier": silent in the primary */
            if (i == s->n - 1 && !slavo && AT(i - 2, "IE") && !AT(i - 4, "ME", "MA")) add2(s, "", "R");
            else add(s, "R");
            i += next == 'R' ? 2 : 1;
            break;
        case 'S': i = rule_s(s, i, slavo); break;
        case 'T': i = rule_t(s, i); break;
        case 'V': add(s, "F"); i += next == 'V' ? 2 : 1; break;
        case 'W': i = rule_w(s, i); break;
        case 'X':
            if (!(i == s->n - 1 && (AT(i - 3, "IAU", "EAU") || AT(i - 2, "AU", "OU")))) add(s, "KS");
            i += AT(i + 1, "C", "X") ? 2 : 1;
            break;
        case 'Z':
            if (next == 'H') { add(s, "J"); i += 2; break; }
            if (AT(i + 1, "ZO", "ZI", "ZA") || (slavo && i > 0 && ch(s, i - 1) != 'T')) add2(s, "S", "TS");
            else add(s, "S");
            i += next == 'Z' ? 2 : 1;
            break;
        default:
            if (c >= '0' && c <= '9') {
                char d[2] = {c, '\0'};
                add(s, d);
            }
            i++;
            break;
        }
    }
    s->p[s->pn] = '\0';
    s->a[s->an] = '\0';
    return s->pn;
}
