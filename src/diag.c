/*
 * diag.c - formats diagnostics and hands them to the context's sink.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

#include "context.h"

static const char *const diag_ids[] = {
#define TS_DIAG_ID(name, id, desc) id,
    TS_DIAG_CODES(TS_DIAG_ID)
#undef TS_DIAG_ID
};

const char *ts_diag_id(ts_diag_code code)
{
    return (unsigned)code < TS_DIAG_COUNT ? diag_ids[code] : "unknown";
}

void ts_diag_emit(ts_context *ctx, const char *file, unsigned line, unsigned col,
                  ts_severity sev, ts_diag_code code, const char *fmt, ...)
{
    if (!ctx || !ctx->sink) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ts_diagnostic d = {file, line, col, sev, ts_diag_id(code), msg};
    ctx->sink(ctx->sink_ud, &d);
}

const char *ts_severity_name(ts_severity s)
{
    switch (s) {
    case TS_SEV_INFO: return "info";
    case TS_SEV_WARNING: return "warning";
    case TS_SEV_ERROR: return "error";
    }
    return "unknown";
}

const char *ts_status_message(ts_status s)
{
    switch (s) {
    case TS_OK: return "success";
    case TS_ERR_USAGE: return "usage error";
    case TS_ERR_INPUT: return "input error";
    case TS_ERR_IO: return "I/O error";
    case TS_ERR_NOMEM: return "out of memory";
    }
    return "unknown error";
}
