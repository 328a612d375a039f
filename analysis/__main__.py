import os
import sys

# numpy's OpenBLAS would start a thread per core for the long dot products of the engine and keep them
# spinning afterwards, competing with the engine's own two threads (about a second of CPU at a million
# studies, for no gain). One BLAS thread, unless the user asks otherwise; set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .cli import main  # noqa: E402

sys.exit(main())
