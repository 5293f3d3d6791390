/* timecode_ms.h - for the unit tests that build segments by hand: a
 * millisecond timecode written with ',' as SRT does. */
#ifndef TS_TEST_TIMECODE_MS_H
#define TS_TEST_TIMECODE_MS_H

#include <stdint.h>

#include "timecode.h"

static inline ts_timecode ms(int64_t v)
{
    ts_timecode tc = {0};
    tc.kind = TS_TC_MS;
    tc.value = v;
    tc.sep = ',';
    return tc;
}

#endif
