build-prof/obj/src/udiff.o: src/udiff.c src/udiff.h
src/udiff.h:
