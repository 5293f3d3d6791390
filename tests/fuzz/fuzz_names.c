/* fuzz_names.c - libFuzzer harness for the names reader and writer. */
#include "fuzz_reader.h"

FUZZ_READER("names")
