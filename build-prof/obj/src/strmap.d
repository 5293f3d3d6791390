build-prof/obj/src/strmap.o: src/strmap.c src/strmap.h src/mem.h
src/strmap.h:
src/mem.h:
