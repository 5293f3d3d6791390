build-prof/obj/src/dict.o: src/dict.c src/dict.h src/mem.h src/tscrub.h \
 src/buf.h src/context.h src/diag.h src/similar.h src/utf8.h
src/dict.h:
src/mem.h:
src/tscrub.h:
src/buf.h:
src/context.h:
src/diag.h:
src/similar.h:
src/utf8.h:
