build-prof/obj/src/pass_dictionary.o: src/pass_dictionary.c src/context.h \
 src/tscrub.h src/dict.h src/mem.h src/metaphone.h src/pass.h src/edit.h \
 src/timecode.h src/transcript.h src/similar.h src/spell.h src/strmap.h \
 src/utf8.h
src/context.h:
src/tscrub.h:
src/dict.h:
src/mem.h:
src/metaphone.h:
src/pass.h:
src/edit.h:
src/timecode.h:
src/transcript.h:
src/similar.h:
src/spell.h:
src/strmap.h:
src/utf8.h:
