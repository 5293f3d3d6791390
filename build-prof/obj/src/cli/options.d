build-prof/obj/src/cli/options.o: src/cli/options.c src/cli/cli.h \
 src/cli/../tscrub.h
src/cli/cli.h:
src/cli/../tscrub.h:
