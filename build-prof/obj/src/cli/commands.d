build-prof/obj/src/cli/commands.o: src/cli/commands.c src/cli/../atomic.h \
 src/cli/../buf.h src/cli/../udiff.h src/cli/cli.h src/cli/../tscrub.h
src/cli/../atomic.h:
src/cli/../buf.h:
src/cli/../udiff.h:
src/cli/cli.h:
src/cli/../tscrub.h:
