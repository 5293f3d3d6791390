build-prof/obj/src/edit.o: src/edit.c src/edit.h src/mem.h src/timecode.h \
 src/transcript.h src/tscrub.h
src/edit.h:
src/mem.h:
src/timecode.h:
src/transcript.h:
src/tscrub.h:
