/* fuzz_assemblyai.c - libFuzzer harness for the assemblyai reader and writer. */
#include "fuzz_reader.h"

FUZZ_READER("assemblyai")
