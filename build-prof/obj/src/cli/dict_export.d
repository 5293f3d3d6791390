build-prof/obj/src/cli/dict_export.o: src/cli/dict_export.c \
 src/cli/../atomic.h src/cli/../dict.h src/cli/../mem.h \
 src/cli/../tscrub.h src/cli/cli.h src/cli/../tscrub.h
src/cli/../atomic.h:
src/cli/../dict.h:
src/cli/../mem.h:
src/cli/../tscrub.h:
src/cli/cli.h:
src/cli/../tscrub.h:
