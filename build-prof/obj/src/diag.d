build-prof/obj/src/diag.o: src/diag.c src/diag.h src/tscrub.h \
 src/context.h
src/diag.h:
src/tscrub.h:
src/context.h:
