/* fuzz_premiere.c - libFuzzer harness for the premiere reader and writer. */
#include "fuzz_reader.h"

FUZZ_READER("premiere")
