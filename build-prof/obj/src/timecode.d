build-prof/obj/src/timecode.o: src/timecode.c src/timecode.h
src/timecode.h:
