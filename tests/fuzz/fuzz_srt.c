/* fuzz_srt.c - libFuzzer harness for the srt reader and writer. */
#include "fuzz_reader.h"

FUZZ_READER("srt")
