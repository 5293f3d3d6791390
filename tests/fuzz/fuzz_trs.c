/* fuzz_trs.c - libFuzzer harness for the trs reader and writer. */
#include "fuzz_reader.h"

FUZZ_READER("trs")
