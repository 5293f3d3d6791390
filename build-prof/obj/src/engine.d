build-prof/obj/src/engine.o: src/engine.c src/engine.h src/pass.h \
 src/edit.h src/mem.h src/timecode.h src/transcript.h src/tscrub.h \
 src/context.h src/dict.h src/diag.h src/pass_list.h src/spell.h
src/engine.h:
src/pass.h:
src/edit.h:
src/mem.h:
src/timecode.h:
src/transcript.h:
src/tscrub.h:
src/context.h:
src/dict.h:
src/diag.h:
src/pass_list.h:
src/spell.h:
