build-prof/obj/src/atomic.o: src/atomic.c src/atomic.h
src/atomic.h:
