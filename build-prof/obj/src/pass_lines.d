build-prof/obj/src/pass_lines.o: src/pass_lines.c src/context.h \
 src/tscrub.h src/pass.h src/edit.h src/mem.h src/timecode.h \
 src/transcript.h src/spell.h src/utf8.h build-prof/gen/abbreviations.inc
src/context.h:
src/tscrub.h:
src/pass.h:
src/edit.h:
src/mem.h:
src/timecode.h:
src/transcript.h:
src/spell.h:
src/utf8.h:
build-prof/gen/abbreviations.inc:
