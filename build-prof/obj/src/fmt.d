build-prof/obj/src/fmt.o: src/fmt.c src/fmt.h src/out.h src/tscrub.h \
 src/transcript.h src/mem.h src/timecode.h src/context.h src/diag.h \
 src/utf8.h
src/fmt.h:
src/out.h:
src/tscrub.h:
src/transcript.h:
src/mem.h:
src/timecode.h:
src/context.h:
src/diag.h:
src/utf8.h:
