/*
 * pass_list.h - every pass, in the canonical order the engine runs them.
 *
 * The order is fixed so results are reproducible: encoding, lines,
 * artifacts, speakers, dictionary, spelling, rules.  Adding a pass means
 * adding one line here (in its place) and one pass_<name>.c.
 */
#ifndef TS_PASS_LIST_H
#define TS_PASS_LIST_H

#include "pass.h"

#define TS_PASS_LIST(X) \
    X(encoding)             \
    X(lines)                \
    X(artifacts)            \
    X(turns)                \
    X(speakers)             \
    X(dictionary)           \
    X(spelling)             \
    X(rules)

#define TS_PASS_DECLARE(name) extern const ts_pass ts_pass_##name;
TS_PASS_LIST(TS_PASS_DECLARE)
#undef TS_PASS_DECLARE

#endif
