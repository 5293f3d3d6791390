/* fuzz_deepgram.c - libFuzzer harness for the deepgram reader and writer. */
#include "fuzz_reader.h"

FUZZ_READER("deepgram")
