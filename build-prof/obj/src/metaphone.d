build-prof/obj/src/metaphone.o: src/metaphone.c src/metaphone.h
src/metaphone.h:
