build-prof/obj/src/pass_spelling.o: src/pass_spelling.c src/context.h \
 src/tscrub.h src/dict.h src/mem.h src/pass.h src/edit.h src/timecode.h \
 src/transcript.h src/similar.h src/spell.h src/strmap.h src/utf8.h
src/context.h:
src/tscrub.h:
src/dict.h:
src/mem.h:
src/pass.h:
src/edit.h:
src/timecode.h:
src/transcript.h:
src/similar.h:
src/spell.h:
src/strmap.h:
src/utf8.h:
