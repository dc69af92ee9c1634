"""Item models for the GUI and the Qt-free data structures they wrap."""
