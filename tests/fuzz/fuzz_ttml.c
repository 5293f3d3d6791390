/* fuzz_ttml.c - libFuzzer harness for the ttml reader and writer. */
#include "fuzz_reader.h"

FUZZ_READER("ttml")
