/* fuzz_aws.c - libFuzzer harness for the aws reader and writer. */
#include "fuzz_reader.h"

FUZZ_READER("aws")
