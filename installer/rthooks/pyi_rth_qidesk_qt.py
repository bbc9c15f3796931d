"""Runtime hook replacing PyInstaller's PySide6 one: point Qt at the bundled plug-ins, lazily.

PyInstaller's own hook imports PySide6.QtCore before the app's first line (to register a
qt.conf), which loads Qt and ICU even for ``qidesk --version`` and puts PySide6's import hook in
front of every later import. The bundled Qt is the wheel's relocatable Qt in the wheel's layout,
so it finds its prefix from its own location; it only needs to be told where the plug-ins are
(and never to use plug-ins from a Qt installed elsewhere on the machine).
"""

import os
import sys

if sys.platform.startswith("win"):
    _qt = os.path.join(sys._MEIPASS, "PySide6")
else:
    _qt = os.path.join(sys._MEIPASS, "PySide6", "Qt")
os.environ["QT_PLUGIN_PATH"] = os.path.join(_qt, "plugins")
del _qt
