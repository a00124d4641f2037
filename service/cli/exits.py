"""The exit codes of ``bonemet assess`` and ``bonemet bulk``, the same for both (docs/command-line.md, "Exit codes")."""

OK = 0  # every input was read and assessed
# 1: a bug (Python's own code for an uncaught exception: a traceback)
CANNOT_RUN = 2  # bad usage or configuration, no readable input, a folder refused: nothing written;
#                 bulk also when an input changed during the run (its outputs are not of the files as they are)
OUTPUT_CLOSED = 141  # the reader of the output stopped reading (``| head``): what was left is not written; the
#                     shell's code for a command ended by SIGPIPE, as ``cat`` gets there
BAD_INPUT = 3  # some input was bad (a file, a line) and left out, named on stderr; the rest was assessed and
#                written, unless --strict, which then writes nothing
