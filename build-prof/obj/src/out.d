build-prof/obj/src/out.o: src/out.c src/out.h src/tscrub.h
src/out.h:
src/tscrub.h:
