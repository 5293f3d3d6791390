/* fuzz_whisper.c - libFuzzer harness for the whisper reader and writer. */
#include "fuzz_reader.h"

FUZZ_READER("whisper")
