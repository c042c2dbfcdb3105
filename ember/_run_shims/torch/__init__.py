"""Not ember's ``torch``: a stand-in found only by the processes a program under ``ember run`` starts (spawned
DataLoader workers, multiprocessing), whose ``PYTHONPATH`` begins with this folder. Importing it switches that
process to ember as ``ember run`` switched the parent, then hands over the module ember serves as ``torch``."""
import importlib
import sys

from ember.run import use_torch_names

use_torch_names()
del sys.modules[__name__]
sys.modules[__name__] = importlib.import_module(__name__)
