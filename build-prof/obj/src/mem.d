build-prof/obj/src/mem.o: src/mem.c src/mem.h
src/mem.h:
