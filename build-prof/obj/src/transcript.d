build-prof/obj/src/transcript.o: src/transcript.c src/transcript.h \
 src/mem.h src/timecode.h src/tscrub.h src/fmt.h src/out.h src/utf8.h
src/transcript.h:
src/mem.h:
src/timecode.h:
src/tscrub.h:
src/fmt.h:
src/out.h:
src/utf8.h:
