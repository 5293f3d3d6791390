/* fuzz_text.c - libFuzzer harness for the text reader and writer. */
#include "fuzz_reader.h"

FUZZ_READER("text")
