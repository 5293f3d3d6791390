/* fuzz_vtt.c - libFuzzer harness for the vtt reader and writer. */
#include "fuzz_reader.h"

FUZZ_READER("vtt")
