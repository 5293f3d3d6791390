/* fuzz_rttm.c - libFuzzer harness for the rttm reader and writer. */
#include "fuzz_reader.h"

FUZZ_READER("rttm")
