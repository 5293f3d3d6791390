build-prof/obj/src/spell.o: src/spell.c src/spell.h src/mem.h
src/spell.h:
src/mem.h:
