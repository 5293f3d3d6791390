build-prof/obj/src/fmt_text.o: src/fmt_text.c src/context.h src/tscrub.h \
 src/fmt.h src/out.h src/transcript.h src/mem.h src/timecode.h
src/context.h:
src/tscrub.h:
src/fmt.h:
src/out.h:
src/transcript.h:
src/mem.h:
src/timecode.h:
