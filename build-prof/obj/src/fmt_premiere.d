build-prof/obj/src/fmt_premiere.o: src/fmt_premiere.c src/context.h \
 src/tscrub.h src/diag.h src/fmt.h src/out.h src/transcript.h src/mem.h \
 src/timecode.h src/utf8.h
src/context.h:
src/tscrub.h:
src/diag.h:
src/fmt.h:
src/out.h:
src/transcript.h:
src/mem.h:
src/timecode.h:
src/utf8.h:
